import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { AgentState } from "../../../relay/state/agent-state";

const repo = { blueprint: "bitbucketRepository", identifier: "PROJ/api" };
const dirs: string[] = [];

function tempStatePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "bbrelay-state-"));
  dirs.push(dir);
  return join(dir, "nested", "state.sqlite");
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("agent state", () => {
  it("remembers what was written across a reopen, and forgets deleted entities", () => {
    const path = tempStatePath();
    const first = AgentState.open(path);
    first.recordWrite(repo, "hash-1", 1_000, 1);
    first.close();

    const second = AgentState.open(path);
    const remembered = second.hashOf(repo);
    second.forget(repo);

    expect(remembered).toBe("hash-1");
    expect(second.hashOf(repo)).toBeUndefined();
    second.close();
  });

  it("tracks which run saw an entity without losing its hash", () => {
    const state = AgentState.open(":memory:");
    state.recordWrite(repo, "hash-1", 1_000, 1);

    state.markSeen(repo, 2);

    expect(state.wasSeen(repo, 2)).toBe(true);
    expect(state.wasSeen(repo, 1)).toBe(false);
    expect(state.hashOf(repo)).toBe("hash-1");
    expect(state.wasSeen({ blueprint: "x", identifier: "y" }, 2)).toBe(false);
  });

  it("invalidates a hash so that the next sighting writes again", () => {
    const state = AgentState.open(":memory:");
    state.recordWrite(repo, "hash-1", 1_000, 1);

    state.invalidate(repo);

    expect(state.hashOf(repo)).toBeUndefined();
    expect(state.entityCount).toBe(1);
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
