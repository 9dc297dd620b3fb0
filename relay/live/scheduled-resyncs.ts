import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";

/**
 * The resyncs the agent schedules itself (`BBRELAY_RESYNC_INTERVAL`, or Port's interval for the integration), on
 * top of the edge's cron, as Ocean's `scheduledResyncInterval`: every interval counted from the agent's start. A
 * due resync is asked of the edge like any other, so it coalesces with the cron's and Port's (at most one pending).
 * The next time is written to the state directory for `bbrelay status`.
 */

export interface ScheduledResyncsOptions {
  /** Minutes, or null when nothing is scheduled (read at each tick: Port's setting may change). */
  interval: () => number | null;
  startedAt: number;
  now: () => number;
  request: (reason: string) => Promise<void>;
  log: Logger;
  /** `schedule.json` in the state directory; null writes nothing. */
  statePath: string | null;
}

/** What `bbrelay status` reads. */
export interface ScheduleRecord {
  intervalMinutes: number | null;
  nextResyncAt: string | null;
  writtenAt: string;
}

export class ScheduledResyncs {
  readonly #options: ScheduledResyncsOptions;
  #due: number | null = null;
  #interval: number | null = null;

  constructor(options: ScheduledResyncsOptions) {
    this.#options = options;
    this.#plan();
  }

  /** The interval in force and the next scheduled resync (epoch ms), or nulls. */
  get schedule(): { intervalMinutes: number | null; nextAt: number | null } {
    return { intervalMinutes: this.#interval, nextAt: this.#due };
  }

  /** Asks for a resync when one is due, then plans the next. Never throws. */
  async tick(): Promise<void> {
    if (this.#options.interval() !== this.#interval) this.#plan();
    if (this.#due === null || this.#options.now() < this.#due) return;
    try {
      await this.#options.request(`scheduled every ${this.#interval} min`);
    } catch (error) {
      this.#options.log.warn({ error: messageOf(error) }, "Could not ask the edge for the scheduled resync");
    }
    this.#plan();
  }

  #plan(): void {
    const { interval, startedAt, now } = this.#options;
    this.#interval = interval();
    this.#due = this.#interval === null ? null : nextOccurrence(this.#interval, startedAt, now());
    this.#write();
  }

  #write(): void {
    if (this.#options.statePath === null) return;
    const record: ScheduleRecord = {
      intervalMinutes: this.#interval,
      nextResyncAt: this.#due === null ? null : new Date(this.#due).toISOString(),
      writtenAt: new Date(this.#options.now()).toISOString(),
    };
    try {
      // The first write may come before anything else made the state directory (a fresh machine, `npm start`).
      mkdirSync(dirname(this.#options.statePath), { recursive: true });
      writeFileSync(this.#options.statePath, `${JSON.stringify(record)}\n`);
    } catch (error) {
      this.#options.log.warn({ error: messageOf(error) }, "Could not record the next scheduled resync");
    }
  }
}

/**
 * When the next scheduled resync falls, as Ocean's `get_next_occurrence`: the first multiple of the interval after
 * `now`, counted from the agent's start (a late tick catches up once, not once per missed interval).
 * @returns epoch milliseconds
 */
export function nextOccurrence(intervalMinutes: number, startedAt: number, now: number): number {
  const interval = intervalMinutes * 60_000;
  const passed = Math.floor((now - startedAt) / interval);
  return startedAt + (passed + 1) * interval;
}
