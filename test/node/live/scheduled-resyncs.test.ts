import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ScheduledResyncs } from "../../../relay/live/scheduled-resyncs";
import { Logger, type LogRecord } from "../../../relay/log/logger";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the agent's own resync schedule", () => {
  it("records the next resync in a state directory that does not exist yet, without a warning", async () => {
    const root = mkdtempSync(join(tmpdir(), "bbrelay-schedule-"));
    dirs.push(root);
    const statePath = join(root, "state", "schedule.json");
    const lines: LogRecord[] = [];
    const log = new Logger({
      stream: new Writable({ write: (_chunk, _encoding, done) => done() }),
      format: "json",
      level: "debug",
      sinks: [(record) => lines.push(record)],
    });
    const requested: string[] = [];
    let now = Date.parse("2026-12-06T10:00:00Z");

    const schedule = new ScheduledResyncs({
      interval: () => 60,
      startedAt: now,
      now: () => now,
      request: async (reason) => {
        requested.push(reason);
      },
      log,
      statePath,
    });
    now += 61 * 60_000;
    await schedule.tick();

    expect(requested).toEqual(["scheduled every 60 min"]);
    expect(JSON.parse(readFileSync(statePath, "utf8"))).toMatchObject({ intervalMinutes: 60 });
    expect(lines.map((line) => line.message)).toEqual([]);
  });
});
