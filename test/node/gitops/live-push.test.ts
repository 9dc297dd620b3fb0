import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { LiveFiles } from "../../../relay/files/live-files";
import { LiveEntitySync } from "../../../relay/live/live-entity-sync";
import { LiveHandler } from "../../../relay/live/live-handler";
import { ResyncCoordinator } from "../../../relay/live/resync-coordinator";
import { entityWriterFor } from "../../../relay/sync/entity-writer";
import type { LeasedMessage } from "../../../shared/protocol/schema";
import type { DeliveryRecord } from "../../fakes/bitbucket-server/index";
import { type CatalogKind, type GitOpsFixture, startGitOpsFixture } from "./support/gitops-fixture";

/**
 * Live on push: the fake Bitbucket's `repo:refs_changed` deliveries handed to the live handler as leased messages;
 * the handler asks which paths the push changed and reads only the watched ones. Both catalogs.
 */

const TWO_SERVICES = `- identifier: orders
  blueprint: service
  properties: {language: typescript}
- identifier: payments
  blueprint: service
  properties: {language: go}
`;

const FILE_RESOURCE = `
  - kind: file
    selector:
      query: 'true'
      files:
        path: '**/package.json'
    port:
      entity:
        mappings:
          identifier: .repo.project.key + "/" + .repo.slug + "/" + .metadata.path
          title: .content.name
          blueprint: '"manifest"'
          properties:
            version: .content.version
  - kind: file
    selector:
      query: 'true'
      files:
        path: deploy
        filenames: ['*.yaml']
    port:
      entity:
        mappings:
          identifier: .repo.project.key + "/" + .repo.slug + "/" + .metadata.path + ":" + .content.name
          title: .content.name
          blueprint: '"manifest"'
          properties:
            version: .content.version
`;

/** Port's includedFiles on a second repository resource: a push re-reads only the included files it changed. */
const INCLUDED_FILES_RESOURCE = `
  - kind: repository
    selector:
      query: 'true'
      includedFiles: [README.md, CODEOWNERS]
    port:
      entity:
        mappings:
          identifier: .project.key + "/" + .slug
          title: .name
          blueprint: '"repositoryDocs"'
          properties:
            readme: .__includedFiles["README.md"]
            codeowners: .__includedFiles["CODEOWNERS"]
`;

const MONOREPO = {
  CODEOWNERS: "* @platform\n",
  "port.yml": TWO_SERVICES,
  "package.json": '{"name":"root","version":"1.0.0"}',
  "apps/web/package.json": '{"name":"web","version":"2.0.0"}',
  "libs/ui/package.json": '{"name":"ui","version":"0.1.0"}',
  "deploy/services.yaml": "name: api\nversion: '3'\n---\nname: worker\nversion: '1'\n",
};

const fixtures: GitOpsFixture[] = [];
afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

const signal = new AbortController().signal;
const repo = { projectKey: "P001", repositorySlug: "repo-00001" };

async function setup(kind: CatalogKind, version: string) {
  const started = await startGitOpsFixture(kind, {
    mappingText: `${DEFAULT_MAPPING_YAML.trimEnd()}\n${FILE_RESOURCE}${INCLUDED_FILES_RESOURCE}`,
    fake: { version },
  });
  fixtures.push(started);
  const { fake, client, mapping, catalog, state, fileStore, logger } = started.started;
  fake.generate({
    seed: 6,
    projects: 1,
    repositories: 2,
    pullRequests: 1,
    users: 3,
    archivedRatio: 0,
    emptyRatio: 0,
    files: ({ number }) => (number === 1 ? MONOREPO : undefined),
  });
  // A hook so that pushes produce deliveries (sent nowhere: the handler gets them directly).
  await client.webhooks.create({
    scope: { type: "project", projectKey: "P001" },
    webhook: { name: "test", url: "http://127.0.0.1:9/unused", events: ["repo:refs_changed"], active: true },
  });
  const handler = new LiveHandler({
    client,
    mapping,
    sync: new LiveEntitySync({ mapping, writer: entityWriterFor(mapping, catalog, state) }),
    files: new LiveFiles({
      client,
      mapping,
      writer: entityWriterFor(mapping, catalog, state),
      store: fileStore,
      gitops: started.gitops,
      logger,
    }),
    resyncs: new ResyncCoordinator((abort) => started.started.resync({ signal: abort, gitops: started.gitops })),
    logger,
  });
  expect((await started.resync()).status).toBe("succeeded");
  return { started, fake, handler };
}

function messageOf(delivery: DeliveryRecord): LeasedMessage {
  return {
    id: delivery.requestId,
    leaseId: `lease-${delivery.requestId}`,
    type: "event",
    eventKey: delivery.eventKey,
    entityKey: null,
    receivedAt: 0,
    attempts: 1,
    leaseExpiresAt: Date.now() + 60_000,
    payload: JSON.parse(delivery.body) as unknown,
  };
}

/** Pushes, hands the push's delivery to the handler, and returns the outcome and the Bitbucket paths it asked for. */
async function pushAndHandle(
  setupResult: Awaited<ReturnType<typeof setup>>,
  files: Record<string, string | null>,
  branch?: string,
) {
  const { fake, handler } = setupResult;
  const pushed = await fake.mutations.pushCommits({ ...repo, files, ...(branch === undefined ? {} : { branch }) });
  const delivery = pushed.deliveries.find((entry) => entry.eventKey === "repo:refs_changed");
  if (delivery === undefined) throw new Error("the push delivered no repo:refs_changed");
  const mark = fake.requests.count;
  const outcome = await handler.handle(messageOf(delivery), signal);
  const paths = fake.requests.entries.slice(mark).map((entry) => entry.path);
  return { outcome, paths };
}

// Both catalogs, and both webhook dialects: 8.x (epoch timestamps, refs_changed without commits) and 10.x (ISO
// timestamps, refs_changed with commits and toCommit).
describe.each([
  ["local", "8.19.1"],
  ["port", "8.19.1"],
  ["local", "10.0.1"],
  ["port", "10.0.1"],
] as const)("live on push, %s catalog, Bitbucket %s", (kind, version) => {
  it("deletes the entity removed from port.yml, reading only the changed file after one changes request", async () => {
    const ready = await setup(kind, version);
    const { started } = ready;
    expect(await started.entity("service", "payments")).not.toBeNull();

    const { outcome, paths } = await pushAndHandle(ready, {
      "port.yml": TWO_SERVICES.split("- identifier: payments")[0] ?? "",
    });

    expect(outcome).toEqual({ action: "ack" });
    expect(await started.entity("service", "payments")).toBeNull();
    expect(await started.entity("service", "orders")).not.toBeNull();
    expect(
      paths.filter((path) => path.endsWith("/changes")),
      paths.join("\n"),
    ).toHaveLength(1);
    expect(paths.filter((path) => path.includes("/raw/"))).toEqual([
      "/rest/api/1.0/projects/P001/repos/repo-00001/raw/port.yml",
    ]);
    expect(paths.filter((path) => path.includes("/files"))).toEqual([]);
  });

  it("updates one package.json and deletes another of a monorepo, reading only those", async () => {
    const ready = await setup(kind, version);
    const { started } = ready;
    // The resync mapped the package.json of each of the three folders.
    for (const path of ["package.json", "apps/web/package.json", "libs/ui/package.json"])
      expect(await started.entity("manifest", `P001/repo-00001/${path}`), path).not.toBeNull();

    const { outcome, paths } = await pushAndHandle(ready, {
      "apps/web/package.json": '{"name":"web","version":"2.1.0"}',
      "libs/ui/package.json": null,
      "docs/notes.md": "unwatched",
    });

    expect(outcome).toEqual({ action: "ack" });
    expect((await started.entity("manifest", "P001/repo-00001/apps/web/package.json"))?.properties.version).toBe(
      "2.1.0",
    );
    expect(await started.entity("manifest", "P001/repo-00001/libs/ui/package.json")).toBeNull();
    expect(await started.entity("manifest", "P001/repo-00001/package.json")).not.toBeNull();
    // The new version of the changed file; the old ones come from the file store (the resync read them).
    expect(paths.filter((path) => path.includes("/raw/"))).toEqual([
      "/rest/api/1.0/projects/P001/repos/repo-00001/raw/apps/web/package.json",
    ]);
  });

  it("maps each document of a YAML file, and deletes the entity of a document a push removed", async () => {
    const ready = await setup(kind, version);
    const { started } = ready;
    const api = "P001/repo-00001/deploy/services.yaml:api";
    const worker = "P001/repo-00001/deploy/services.yaml:worker";
    expect((await started.entity("manifest", api))?.properties.version).toBe("3");
    expect((await started.entity("manifest", worker))?.properties.version).toBe("1");

    const { outcome, paths } = await pushAndHandle(ready, { "deploy/services.yaml": "name: api\nversion: '4'\n" });

    expect(outcome).toEqual({ action: "ack" });
    expect((await started.entity("manifest", api))?.properties.version).toBe("4");
    expect(await started.entity("manifest", worker)).toBeNull();
    expect(paths.filter((path) => path.includes("/raw/"))).toEqual([
      "/rest/api/1.0/projects/P001/repos/repo-00001/raw/deploy/services.yaml",
    ]);
  });

  it("changes nothing for an invalid port.yml, and deletes what a deleted port.yml declared", async () => {
    const ready = await setup(kind, version);
    const { started } = ready;

    const invalid = await pushAndHandle(ready, { "port.yml": "- identifier: orders\n  blueprint: [service]\n" });
    // Retrying cannot fix the file and acking would hide it: a dead letter naming the file and the problem's place.
    expect(invalid.outcome).toEqual({
      action: "dead",
      reason: expect.stringMatching(/P001\/repo-00001\/port\.yml: \[0\]\.blueprint: must be a string/),
    });
    expect(await started.entity("service", "orders")).not.toBeNull();
    expect(await started.entity("service", "payments")).not.toBeNull();

    const deleted = await pushAndHandle(ready, { "port.yml": null });
    expect(deleted.outcome).toEqual({ action: "ack" });
    expect(await started.entity("service", "orders")).toBeNull();
    expect(await started.entity("service", "payments")).toBeNull();
  });

  it("changes nothing on a push to another branch, and the next resync heals a push it never heard of", async () => {
    const ready = await setup(kind, version);
    const { started, fake } = ready;

    const other = await pushAndHandle(ready, { "port.yml": null, "package.json": null }, "feature/x");
    expect(other.outcome).toEqual({ action: "ack" });
    expect(other.paths.filter((path) => path.endsWith("/changes") || path.includes("/raw/"))).toEqual([]);
    expect(await started.entity("service", "orders")).not.toBeNull();

    // A push whose webhook was lost: only the resync sees it.
    await fake.mutations.pushCommits({ ...repo, files: { "port.yml": null, "package.json": null } });
    const summary = await started.resync();
    expect(summary.gitops).toMatchObject({ deleted: 2 });
    expect(await started.entity("service", "orders")).toBeNull();
    expect(await started.entity("manifest", "P001/repo-00001/package.json")).toBeNull();
  });

  it("dead-letters a push whose port.yml declares an entity the catalog refuses, with the catalog's reason", async () => {
    const ready = await setup(kind, version);
    const { started } = ready;

    const { outcome } = await pushAndHandle(ready, {
      "port.yml": `${TWO_SERVICES}- identifier: ghost\n  blueprint: service\n  properties: {tier: high}\n`,
    });

    expect(outcome).toEqual({
      action: "dead",
      reason: expect.stringMatching(/^the catalog refused: service\/ghost: 422 /),
    });
    // The entities the catalog accepted are written all the same.
    expect(await started.entity("service", "orders")).not.toBeNull();
  });

  it("re-reads only the included files a push changed: one changes request, then one read per changed file", async () => {
    const ready = await setup(kind, version);
    const { started } = ready;
    const docs = "P001/repo-00001";
    expect((await started.entity("repositoryDocs", docs))?.properties.codeowners).toBe("* @platform\n");

    const unrelated = await pushAndHandle(ready, { "docs/notes.md": "unwatched" });
    expect(unrelated.outcome).toEqual({ action: "ack" });
    expect(unrelated.paths.filter((path) => path.endsWith("/changes"))).toHaveLength(1);
    expect(unrelated.paths.filter((path) => path.includes("/raw/"))).toEqual([]);

    const owners = await pushAndHandle(ready, { CODEOWNERS: "* @payments\n" });
    expect(owners.outcome).toEqual({ action: "ack" });
    expect(owners.paths.filter((path) => path.endsWith("/changes"))).toHaveLength(1);
    expect(owners.paths.filter((path) => path.includes("/raw/"))).toEqual([
      "/rest/api/1.0/projects/P001/repos/repo-00001/raw/CODEOWNERS",
    ]);
    expect((await started.entity("repositoryDocs", docs))?.properties.codeowners).toBe("* @payments\n");
  });
});
