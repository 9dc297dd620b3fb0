import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BitbucketError } from "../../../relay/bitbucket/errors";
import { ConfigError } from "../../../relay/config/config-error";
import { Logger } from "../../../relay/log/logger";
import { selectProjects } from "../../../relay/webhooks/project-selection";
import type { ScopeReport, WebhookReport } from "../../../relay/webhooks/sync-report";
import { clientFor } from "../bitbucket/support/client-for";
import { NAME, type WebhookFixture, webhookFixtures } from "./support/webhook-fixture";

const start = webhookFixtures();

function scope(report: WebhookReport, label: string): ScopeReport {
  const found = report.scopes.find((entry) => entry.label === label);
  if (found === undefined) throw new Error(`no scope ${label} in the report`);
  return found;
}

/** A service account with a token: admin on P001 and P003, only read on P002. */
function serviceAccount(f: WebhookFixture) {
  const user = f.fake.addUser({ name: "svc-relay" });
  f.fake.addToken({ token: "svc-relay-token-0a9b8c7d", user, permissions: ["PROJECT_ADMIN", "REPO_ADMIN"] });
  f.fake.grant(user, "PROJECT_ADMIN", { projectKey: "P001" });
  f.fake.grant(user, "PROJECT_READ", { projectKey: "P002" });
  f.fake.grant(user, "PROJECT_ADMIN", { projectKey: "P003" });
  return clientFor(f.fake, { auth: { kind: "bearer", token: "svc-relay-token-0a9b8c7d" }, logger: f.logger });
}

describe("a scope that fails does not stop the others", () => {
  it("9.4: a project without PROJECT_ADMIN is reported (401, with the fix) while the others get their hooks", async () => {
    const f = await start({ version: "9.4.2" });
    const client = serviceAccount(f);

    const report = await f.installer({ client }).sync();

    expect(report.ok).toBe(false);
    expect(report.counts).toMatchObject({ created: 2, failed: 1 });
    const failed = scope(report, "project P002");
    expect(failed).toMatchObject({ state: "failed", status: 401, role: { wanted: true } });
    expect(failed.state === "failed" ? failed.reason : "").toMatch(/PROJECT_ADMIN/);
    expect(f.ours()).toEqual(["project P001", "project P003"]);
  });

  it("8.7: the repositories without REPO_ADMIN are reported one by one, the others get their hooks", async () => {
    const f = await start({ version: "8.7.2" });
    const client = serviceAccount(f);

    const report = await f.installer({ client }).sync();

    expect(report.counts).toMatchObject({ created: 6, failed: 3 });
    expect(report.scopes.filter((entry) => entry.state === "failed").map((entry) => entry.label)).toEqual([
      "repository P002/repo-00002",
      "repository P002/repo-00005",
      "repository P002/repo-00008",
    ]);
    expect(f.ours().filter((where) => where.includes("P002"))).toEqual([]);
  });

  it("9.4: a project the mapping does not select and we may not administer is skipped, not failed", async () => {
    const f = await start({ version: "9.4.2" });
    const client = serviceAccount(f);

    const report = await f.installer({ client, selection: selectProjects(["P001", "P003"]) }).sync();

    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({ created: 2, failed: 0 });
    expect(report.scopes.map((entry) => entry.label)).toEqual(["project P001", "project P003"]);
  });

  it("a create that fails (500) is reported for its scope, and the next sync creates it", async () => {
    const f = await start({ version: "9.4.2" });
    f.fake.faults.add({
      method: "POST",
      path: "/rest/api/1.0/projects/P002/webhooks",
      nth: 1,
      action: { type: "status", status: 500 },
    });

    const first = await f.installer().sync();
    const second = await f.installer().sync();

    expect(first.counts).toMatchObject({ created: 2, failed: 1 });
    expect(scope(first, "project P002")).toMatchObject({
      state: "done",
      outcomes: [{ result: "failed", action: "create", webhookId: null, status: 500 }],
    });
    expect(second.ok).toBe(true);
    expect(second.counts).toMatchObject({ created: 1, unchanged: 2 });
    expect(f.ours()).toEqual(["project P001", "project P002", "project P003"]);
  });

  it("a repository listing that fails (8.7) is a problem of that project, the other projects still get hooks", async () => {
    const f = await start({ version: "8.7.2" });
    f.fake.faults.add({
      method: "GET",
      path: "/rest/api/1.0/projects/P003/repos",
      nth: 1,
      times: 20,
      action: { type: "status", status: 404, message: "gone" },
    });

    const report = await f.installer().sync();

    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ label: "repositories of project P003", projectKey: "P003" }),
    ]);
    expect(report.counts).toMatchObject({ created: 6, failed: 1 });
  });
});

describe("a hook listing that cannot be taken for complete", () => {
  it("fails its scope and writes nothing there, rather than create a second hook beside one it could not read", async () => {
    const f = await start({ version: "9.4.2" });
    expect((await f.installer().sync()).ok).toBe(true);
    // Our hook in P002 comes back with `active` in a shape the relay does not read (a plugin or proxy rewrote it).
    f.fake.faults.add({
      method: "GET",
      path: "/rest/api/1.0/projects/P002/webhooks",
      nth: 1,
      times: 20,
      action: {
        type: "rewrite",
        rewrite: (page) => ({
          ...page,
          values: (Array.isArray(page.values) ? page.values : []).map((hook: Record<string, unknown>) => ({
            ...hook,
            active: "yes",
          })),
        }),
      },
    });

    const report = await f.installer().sync();

    expect(report.ok).toBe(false);
    expect(scope(report, "project P002")).toMatchObject({
      state: "failed",
      reason: expect.stringMatching(/lack the fields the relay reads \(active: /),
    });
    expect(report.counts).toMatchObject({ created: 0, removed: 0, failed: 1 });
    expect(f.ours()).toEqual(["project P001", "project P002", "project P003"]);
  });
});

describe("what the installer throws, and what it does not", () => {
  it("throws a BitbucketError when the version cannot be read and there is no override", async () => {
    const f = await start({ version: "9.4.2" });
    f.fake.faults.add({
      method: "GET",
      path: "/rest/api/1.0/application-properties",
      nth: 1,
      times: 5,
      action: { type: "status", status: 404 },
    });

    await expect(f.installer().sync()).rejects.toBeInstanceOf(BitbucketError);
    expect(f.hooks()).toEqual([]);
  });

  it("with the override, an unreadable version does not matter: every event key of the scope is subscribed", async () => {
    const f = await start({ version: "9.4.2" });
    f.fake.faults.add({
      method: "GET",
      path: "/rest/api/1.0/application-properties",
      nth: 1,
      times: 5,
      action: { type: "status", status: 404 },
    });

    const report = await f.installer({ bitbucketIsVersion8Point7OrOlder: false }).sync();

    expect(report.mode).toEqual({ scope: "project", version: null, decidedBy: "override" });
    expect(report.counts.created).toBe(3);
    expect(f.hooks()[0]?.events).toContain("project:modified");
  });

  it("refuses a bad target with every problem named, never the secret", async () => {
    const f = await start({ version: "9.4.2" });
    let error: unknown;
    try {
      f.installer({ target: { url: "ftp://user:pw@edge.example.com/x", name: " ", secret: "" } });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problems = error instanceof ConfigError ? error.problems : [];
    expect(problems).toEqual([
      "webhook.url: must use http or https",
      "webhook.url: must not carry credentials (user:password@): Bitbucket shows hook URLs to project administrators",
      "webhook.name: must not be empty: it is how our hooks are told apart from other people's",
      "webhook.secret: must not be empty: the edge rejects unsigned deliveries",
    ]);
  });
});

describe("abort", () => {
  it("an abort signal raised before the sync stops it before any write", async () => {
    const f = await start({ version: "9.4.2" });
    const controller = new AbortController();
    controller.abort();

    const report = await f.installer({ signal: controller.signal }).sync();

    expect(report.aborted).toBe(true);
    expect(report.ok).toBe(false);
    expect(f.writes()).toEqual([]);
  });

  it("an abort in the middle reports what was done and skips the rest", async () => {
    const f = await start({ version: "9.4.2" });
    const controller = new AbortController();
    // Aborts as soon as the first hook is reported created: a logger is the one observer the installer has.
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        if (String(chunk).includes("Webhook created")) controller.abort();
        done();
      },
    });
    const logger = new Logger({ stream, format: "json", level: "info" });

    const report = await f.installer({ signal: controller.signal, logger, concurrency: 1 }).sync();

    expect(report.aborted).toBe(true);
    expect(report.counts).toMatchObject({ created: 1, skipped: 2 });
    expect(
      report.scopes.map((entry) =>
        entry.state === "done" ? entry.outcomes.map((outcome) => outcome.result) : entry.state,
      ),
    ).toEqual([["created"], ["skipped"], ["skipped"]]);
    expect(f.ours()).toEqual(["project P001"]);
    expect(f.hooks().every((hook) => hook.name === NAME)).toBe(true);
  });
});
