import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { FakePort } from "../../fakes/port/fake-port";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";
import { ResyncSummaryJson } from "../../support/resync-summary-json";

// Registration at start (issue 9): the agent reads its integration, creates it when missing with the seed mapping,
// creates the blueprints Port lacks, patches a changed version, and explains a 403. Over real HTTP against the fakes.

let bitbucket: FakeBitbucketServer;
let port: FakePort;
let dir: string;
let env: Record<string, string>;
const INSTALLATION = "bb-test";

async function startPort(role: "admin" | "member" = "admin"): Promise<void> {
  port = await FakePort.start({ role });
  env = {
    ...fakeBitbucketEnv(bitbucket.url, dir, FAKE_ADMIN),
    PORT_CLIENT_ID: port.clientId,
    PORT_CLIENT_SECRET: port.clientSecret,
    PORT_BASE_URL: port.url,
    BBRELAY_INSTALLATION_ID: INSTALLATION,
  };
}

beforeEach(async () => {
  bitbucket = await FakeBitbucketServer.start();
  bitbucket.generate({ seed: 5, projects: 1, repositories: 2, pullRequests: 3, users: 2 });
  dir = mkdtempSync(join(tmpdir(), "bbrelay-registration-"));
});

afterEach(async () => {
  await port.close();
  await bitbucket.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("registration in Port", () => {
  it("creates a missing integration with the built-in mapping, creates the blueprints, and writes as bitbucket-server", async () => {
    await startPort();

    const run = await bbrelay(["resync"], { env });

    expect(run.code).toBe(0);
    const integration = port.integrations.get(INSTALLATION);
    expect(integration).toMatchObject({
      installationAppType: "bitbucket-server",
      installationType: "OnPrem",
      version: "0.0.0-test",
    });
    expect(integration?.config).toEqual(parse(DEFAULT_MAPPING_YAML));
    expect(port.store.blueprint("bitbucketRepository")).toBeDefined();
    const written = port.store.entities();
    expect(written.length).toBeGreaterThan(0);
    expect(new Set(written.map((entity) => entity.datasource))).toEqual(
      new Set([`port-ocean/bitbucket-server/0.0.0-test/${INSTALLATION}/exporter`]),
    );
  });

  it("seeds a new integration from --config, not the built-in mapping", async () => {
    await startPort();
    const file = join(dir, "mapping.yaml");
    writeFileSync(
      file,
      `resources:\n  - kind: project\n    selector:\n      query: "true"\n    port:\n      entity:\n        mappings:\n          identifier: .key\n          title: .name\n          blueprint: '"bitbucketProject"'\n`,
    );
    await bbrelay(["resync", "--config", file], { env: { ...env, BBRELAY_BLUEPRINTS: "" } });

    expect(port.integrations.get(INSTALLATION)?.config).toEqual({
      resources: [
        {
          kind: "project",
          selector: { query: "true" },
          port: { entity: { mappings: { identifier: ".key", title: ".name", blueprint: '"bitbucketProject"' } } },
        },
      ],
    });
  });

  it("keeps an existing integration as it is and patches only a changed version", async () => {
    await startPort();
    port.integrations.seed({
      installationId: INSTALLATION,
      installationAppType: "bitbucket-server",
      version: "0.0.0-test",
      config: parse(DEFAULT_MAPPING_YAML),
    });

    await bbrelay(["resync"], { env });
    expect(port.requestsTo("PATCH", `/integration/${INSTALLATION}`)).toEqual([]);
    expect(port.requestsTo("POST", "/v1/integration")).toEqual([]);

    port.integrations.seed({
      installationId: INSTALLATION,
      installationAppType: "bitbucket-server",
      version: "0.0.0-older",
      config: parse(DEFAULT_MAPPING_YAML),
    });
    await bbrelay(["resync"], { env });
    const patches = port.requestsTo("PATCH", `/integration/${INSTALLATION}`);
    expect(patches.map((request) => request.body)).toEqual([{ version: "0.0.0-test" }]);
    expect(port.integrations.get(INSTALLATION)?.version).toBe("0.0.0-test");
  });

  it("refuses an installation id that another integration type holds", async () => {
    await startPort();
    port.integrations.seed({ installationId: INSTALLATION, installationAppType: "gitlab", config: {} });

    const run = await bbrelay(["resync"], { env });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is a gitlab integration, not bitbucket-server: set BBRELAY_INSTALLATION_ID");
    expect(port.store.entities()).toEqual([]);
  });

  it("explains a 403: the credentials must be an admin's or a moderator's", async () => {
    await startPort("member");

    const run = await bbrelay(["resync"], { env });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("(403)");
    expect(run.stderr).toContain("admin or moderator");
    expect(run.stderr).toContain("BBRELAY_PORT_INTEGRATION=false");
    expect(run.stderr).not.toContain(port.clientSecret);
    expect(port.store.entities()).toEqual([]);
  });

  it("with BBRELAY_PORT_INTEGRATION=false writes entities without touching the integration routes", async () => {
    await startPort("member");

    const run = await bbrelay(["resync"], { env: { ...env, BBRELAY_PORT_INTEGRATION: "false" } });

    expect(run.code).toBe(0);
    expect(ResyncSummaryJson.parse(JSON.parse(run.stdout)).status).toBe("succeeded");
    expect(port.requests.filter((request) => request.path.startsWith("/v1/integration"))).toEqual([]);
  });

  it("adopts an Ocean bitbucket-server installation's entities: nothing duplicated, deleted or recreated, stale ones removed", async () => {
    await startPort();
    // What Ocean left: its integration (same installation id) with its mapping, and the entities it wrote.
    const oceanConfig = parse(DEFAULT_MAPPING_YAML) as Record<string, unknown>;
    port.integrations.seed({
      installationId: INSTALLATION,
      installationAppType: "bitbucket-server",
      version: "0.2.14",
      config: oceanConfig,
    });
    const seeding = await bbrelay(["resync"], { env: { ...env, BBRELAY_STATE_DIR: join(dir, "seeding-state") } });
    expect(seeding.code).toBe(0);
    const ocean = `port-ocean/bitbucket-server/0.2.14/${INSTALLATION}/exporter`;
    for (const entity of port.store.entities()) {
      entity.datasource = ocean;
      entity.createdAt = "2025-01-01T00:00:00.000Z";
      entity.updatedAt = "2025-01-01T00:00:00.000Z";
    }
    const write = (identifier: string, datasource: string) =>
      port.store.upsert(
        { identifier, title: identifier, properties: {}, relations: {} },
        "bitbucketProject",
        {
          merge: false,
          createMissingRelatedEntities: false,
        },
        { datasource, now: "2025-01-01T00:00:00.000Z", validationOnly: false },
      );
    write("GONE", ocean);
    write("OTHERS", "port-ocean/bitbucket-server/0.2.14/another-installation/exporter");
    const before = port.store.entities().map((entity) => `${entity.blueprint}/${entity.identifier}`);
    port.requests.length = 0;

    // The agent takes over with a fresh state directory: it has never written any of these.
    const run = await bbrelay(["resync"], { env });

    expect(run.code).toBe(0);
    const after = port.store.entities();
    expect(after.map((entity) => `${entity.blueprint}/${entity.identifier}`)).toEqual(
      before.filter((key) => key !== "bitbucketProject/GONE"),
    );
    const adopted = after.filter((entity) => entity.identifier !== "OTHERS");
    expect(adopted.every((entity) => entity.createdAt === "2025-01-01T00:00:00.000Z")).toBe(true);
    expect(new Set(adopted.map((entity) => entity.datasource))).toEqual(
      new Set([`port-ocean/bitbucket-server/0.0.0-test/${INSTALLATION}/exporter`]),
    );
    expect(port.entity("bitbucketProject", "OTHERS")?.datasource).toContain("/another-installation/");
    const deletes = port.requests.filter((request) => request.method === "DELETE" || request.path.endsWith("/delete"));
    // One delete route or the other (single or bulk): only the stale entity goes.
    const deleted = deletes.flatMap((request) =>
      request.method === "DELETE"
        ? [decodeURIComponent(request.path.split("/").at(-1) ?? "")]
        : ((request.body as { entities?: string[] } | null)?.entities ?? []),
    );
    expect(deleted).toEqual(["GONE"]);
    expect(port.integrations.get(INSTALLATION)?.config).toEqual(oceanConfig);
  });
});

describe("bbrelay resync and status as a Port integration", () => {
  it("a resync by hand reports its state to Port, and status shows the integration, the mapping in force and that state", async () => {
    await startPort();

    const run = await bbrelay(["resync"], { env });
    const status = await bbrelay(["status", "--json"], { env });
    const human = await bbrelay(["status"], { env, tty: true });

    expect(run.code).toBe(0);
    expect(port.integrations.states.map((state) => state.body.status)).toEqual(["running", "completed"]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as { integration: Record<string, unknown> };
    expect(parsed.integration).toMatchObject({
      kind: "registered",
      installationId: INSTALLATION,
      type: "bitbucket-server",
      version: "0.0.0-test",
      mappingSource: "port",
      mappingVersion: expect.stringMatching(/^[0-9a-f]{12}$/),
      resyncState: { status: "completed" },
    });
    expect(human.stdout).toContain(`Port integration "${INSTALLATION}": bitbucket-server, version 0.0.0-test`);
    expect(human.stdout).toMatch(/mapping in force: Port's config \(version [0-9a-f]{12}\)/);
    expect(human.stdout).toMatch(/resync state in Port: completed, started \S+, ended \S+, next not scheduled/);

    port.integrations.editConfig(INSTALLATION, {
      ...(parse(DEFAULT_MAPPING_YAML) as object),
      deleteDependentEntities: false,
    });
    const edited = JSON.parse((await bbrelay(["status", "--json"], { env })).stdout) as {
      integration: { mappingVersion: string };
    };
    expect(edited.integration.mappingVersion).not.toBe(
      (parsed.integration as { mappingVersion: string }).mappingVersion,
    );
  });
});

describe("bbrelay doctor as a Port integration", () => {
  it("names the integration, the mapping in force from Port, and each of its fields Port's blueprints lack", async () => {
    await startPort();
    expect((await bbrelay(["resync", "--kind", "project"], { env })).code).toBe(0);
    const config = parse(DEFAULT_MAPPING_YAML) as {
      resources: { kind: string; port: { entity: { mappings: { properties: Record<string, string> } } } }[];
    };
    const repository = config.resources.find((resource) => resource.kind === "repository");
    if (repository === undefined) throw new Error("no repository resource");
    repository.port.entity.mappings.properties.language = ".language";
    port.integrations.editConfig(INSTALLATION, config as unknown as Record<string, unknown>);

    const run = await bbrelay(["doctor"], { env, tty: true });

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `✔ port\\.integration\\s+integration "${INSTALLATION}" \\(bitbucket-server, version 0\\.0\\.0-test\\); the mapping in force is Port's integration config`,
      ),
    );
    expect(run.stdout).toContain(`Port's mapping of integration "${INSTALLATION}"`);
    expect(run.stdout).toContain('blueprint "bitbucketRepository" has no property "language"');
  });

  it("reports a 403 as a failed check with the fix, and a missing integration as a warning", async () => {
    await startPort("member");
    const forbidden = await bbrelay(["doctor"], { env, tty: true });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toMatch(/✘ port\.integration\s+Port refused GET of integration/);
    expect(forbidden.stdout).toContain("admin or moderator");
    await port.close();

    await startPort();
    const missing = await bbrelay(["doctor"], { env, tty: true });
    expect(missing.stdout).toMatch(/! port\.integration\s+no integration "bb-test" in Port yet/);
    expect(port.integrations.get(INSTALLATION)).toBeNull();
  });
});
