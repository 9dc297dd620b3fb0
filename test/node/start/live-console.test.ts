import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { LiveConsole } from "../../../scripts/live-console";
import { DEFAULT_BLUEPRINTS, TEST_IDENTITY } from "../../support/resync-fixture";

/** The console fed with the agent's log lines as `bbrelay run` writes them, and a real catalog file. */

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const log = (level: string, msg: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ time: "2026-01-01T00:00:00.000Z", level, msg, ...fields });
const STARTED = log("info", "Agent started", { catalog: "local" });
const RESYNC_STARTED = log("info", "Resync started", { component: "resync", runId: 1 });
const resyncFinished = (status: string, durationMs: number) =>
  log("info", "Resync finished", { component: "resync", status, durationMs, deleted: 0 });
const webhooks = (when: string, created: number, unchanged: number) =>
  log("info", "Webhooks reconciled", { when, created, updated: 0, unchanged, removed: 0, failed: 0, skipped: 0 });

function setUp(options: { catalog: boolean }) {
  const lines: string[] = [];
  let catalog: LocalCatalog | null = null;
  let path: string | null = null;
  if (options.catalog) {
    const dir = mkdtempSync(join(tmpdir(), "bbrelay-console-"));
    path = join(dir, "catalog.sqlite");
    catalog = LocalCatalog.open({ path, identity: TEST_IDENTITY, blueprints: DEFAULT_BLUEPRINTS });
    const opened = catalog;
    cleanups.push(async () => {
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    });
  }
  // Long enough that only the test's own looks (a resync's end, finish) read the catalog.
  const live = new LiveConsole({
    print: (line) => lines.push(...line.split("\n")),
    catalogPath: path,
    bitbucketName: "Bitbucket",
    pollMs: 3_600_000,
    clock: () => new Date(2026, 0, 1, 9, 30, 5),
  });
  cleanups.push(async () => live.finish(0));
  return { live, lines, catalog };
}

const project = (key: string) => ({
  blueprint: "bitbucketProject",
  identifier: key,
  title: key,
  properties: { key },
  relations: {},
});
const WRITE = { merge: false, createMissingRelatedEntities: false };

describe("npm start's live console", () => {
  it("counts what the first resync wrote, then lists each later change with its time", async () => {
    const { live, lines, catalog } = setUp({ catalog: true });
    if (catalog === null) throw new Error("no catalog");
    await catalog.upsert([project("OLD")], WRITE);

    live.agentLine(STARTED);
    live.agentLine(RESYNC_STARTED);
    await catalog.upsert([project("A"), project("B")], WRITE);
    await catalog.delete([{ blueprint: "bitbucketProject", identifier: "OLD" }], { deleteDependents: false });
    live.agentLine(resyncFinished("succeeded", 1_250));
    const first = await live.firstResync;
    await catalog.upsert([{ ...project("C"), title: "Project C" }], WRITE);
    live.finish(0);

    expect(first).toEqual({
      status: "succeeded",
      durationMs: 1_250,
      tally: { created: 2, updated: 0, deleted: 1 },
      counts: new Map([["bitbucketProject", 2]]),
    });
    expect(lines).toEqual([
      "The local catalog at start:",
      "  bitbucketProject  1",
      "  total             1",
      "First resync: reading Bitbucket over REST…",
      "First resync succeeded in 1.3 s: 2 created, 0 updated, 1 deleted. The local catalog now holds:",
      "  bitbucketProject  2",
      "  total             2",
      '09:30:05 catalog + bitbucketProject C  "Project C"',
    ]);
  });

  it("shows the first webhook reconcile and later ones only when they changed something", () => {
    const { live, lines } = setUp({ catalog: false });

    live.agentLine(webhooks("at start", 3, 0));
    live.agentLine(webhooks("after a resync", 0, 3));
    live.agentLine(webhooks("after a resync", 1, 3));

    expect(lines).toEqual([
      "Webhooks in Bitbucket (at start): 3 created, 0 updated, 0 unchanged",
      "Webhooks in Bitbucket (after a resync): 1 created, 0 updated, 3 unchanged",
    ]);
  });

  it("shows warnings and the CLI's own errors, mutes warnings once stopping, and says when a resync was cut short", async () => {
    const { live, lines } = setUp({ catalog: false });

    live.agentLine(log("warn", "Waiting for the edge", { error: "fetch failed", retryInMs: 400 }));
    live.agentLine("the environment has 1 problem:");
    live.agentLine(RESYNC_STARTED);
    live.stopping();
    live.agentLine(log("warn", "Lease lost while processing; the message may be processed twice", { leaseId: "l1" }));
    live.agentLine(resyncFinished("aborted", 300));

    expect(await live.firstResync).toEqual({ status: "aborted", durationMs: 300, tally: null, counts: null });
    expect(lines).toEqual([
      "09:30:05 agent WARN Waiting for the edge  error=fetch failed retryInMs=400",
      "agent: the environment has 1 problem:",
      "First resync: reading Bitbucket over REST…",
      "First resync cut short by the stop (aborted after 0.3 s).",
    ]);
  });

  it("rejects the first resync when the agent stops before it", async () => {
    const { live } = setUp({ catalog: false });

    live.finish(2);

    await expect(live.firstResync).rejects.toThrow("the agent stopped (exit 2) before its first resync finished");
  });
});
