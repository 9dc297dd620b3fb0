import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { AgentState } from "../../../relay/state/agent-state";

const repo = { blueprint: "bitbucketRepository", identifier: "PROJ/api" };
const dirs: string[] = [];

function tempStatePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-state-"));
  dirs.push(dir);
  return join(dir, "nested", "state.sqlite");
}

function key(identifier: string, blueprint = "bitbucketRepository") {
  return { blueprint, identifier };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("agent state", () => {
  it("remembers what was written across a reopen, and forgets deleted entities", () => {
    const path = tempStatePath();
    const first = AgentState.open(path);
    first.recordWrite(repo, "hash-1", 1_000);
    first.close();

    const second = AgentState.open(path);
    const remembered = second.hashOf(repo);
    second.forget(repo);

    expect(remembered).toBe("hash-1");
    expect(second.hashOf(repo)).toBeUndefined();
    second.close();
  });

  it("invalidates a hash so that the next sighting writes again", () => {
    const state = AgentState.open(":memory:");
    state.recordWrite(repo, "hash-1", 1_000);

    state.invalidate(repo);

    expect(state.hashOf(repo)).toBeUndefined();
    expect(state.entityCount).toBe(1);
  });

  it("offers for deletion only snapshot entities the run did not see and nobody wrote since it started", () => {
    const state = AgentState.open(":memory:");
    state.beginLedger();
    state.addToSnapshot([key("P/seen"), key("P/stale"), key("P/live"), key("P/target"), key("alice", "bitbucketUser")]);
    state.recordWrite(key("P/live"), "h", 5_000); // a live event wrote it after the run started at 2_000
    state.recordWrite(key("P/stale"), "h", 1_000);
    state.markSeen(key("P/seen"));
    state.addRelationTargets(["P/target"]);

    const candidates = [...state.deletionCandidates(2_000)];

    expect(candidates).toEqual([
      { blueprint: "bitbucketRepository", identifier: "P/stale", protected: false },
      { blueprint: "bitbucketRepository", identifier: "P/target", protected: true },
      { blueprint: "bitbucketUser", identifier: "alice", protected: false },
    ]);
    expect(state.snapshotSize).toBe(5);
    expect(state.inSnapshot(key("P/live"))).toBe(true);
    expect(state.wasSeen(key("P/seen"))).toBe(true);
  });

  it("starts each run's ledger empty", () => {
    const state = AgentState.open(":memory:");
    state.beginLedger();
    state.addToSnapshot([key("P/a")]);
    state.markSeen(key("P/a"));

    state.beginLedger();

    expect(state.snapshotSize).toBe(0);
    expect(state.wasSeen(key("P/a"))).toBe(false);
  });

  it("keeps the last run's summary", () => {
    const state = AgentState.open(":memory:");
    const older = state.startRun("resync", 10);
    state.finishRun(older, "failed", { kinds: [] }, 20);
    const newer = state.startRun("resync", 30);
    state.finishRun(newer, "succeeded", { kinds: [{ kind: "project", listed: 3 }] }, 40);

    expect(state.lastRun()).toEqual({
      id: newer,
      kind: "resync",
      startedAt: 30,
      finishedAt: 40,
      status: "succeeded",
      summary: { kinds: [{ kind: "project", listed: 3 }] },
    });
    expect(state.lastRun("dry-run")).toBeNull();
  });

  it("refuses a state file from a newer version, saying what to do", () => {
    const path = tempStatePath();
    AgentState.open(path).close();
    const forged = new Database(path);
    forged.pragma("user_version = 99");
    forged.close();

    expect(() => AgentState.open(path)).toThrow(/newer bbrelay.*BBRELAY_STATE_DIR/);
  });
});
