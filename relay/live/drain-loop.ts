import type { AckResponse, LeasedMessage, LeasingAgent } from "../../shared/protocol/schema";
import type { EdgeClient } from "../edge/edge-client";
import { EdgeError } from "../edge/edge-error";
import type { BackoffPolicy } from "../http/backoff";
import { systemClock } from "../http/clock";
import { type Retryability, withRetries } from "../http/retry";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { MessageHandler, MessageOutcome } from "./message-outcome";

/**
 * The agent's live loop: lease from the edge (long-poll), process concurrently, ack only after the handler says the
 * catalog write succeeded, extend leases while work is slow, back off and reconnect while the edge is unreachable.
 *
 * - Capacity: at most `concurrency` messages in flight. A `resync` message runs for minutes; it holds a slot of its
 *   own so that events keep flowing meanwhile.
 * - Ordering: the edge never leases two messages of one entity at once; should a batch still carry two, they run
 *   one after the other here.
 * - Acks are batched: outcomes gathered while an ack call is under way go in the next one. A lost ack only means
 *   the message comes back after its visibility timeout (processing is idempotent).
 * - A bound per message: an event without an outcome after `messageTimeoutMs` (a read or write that hangs, a mapping
 *   that never ends) goes to the dead letters with that reason; its handler is told to stop (its signal aborts) and
 *   whatever it does after is ignored. Its slot and its entity's place in line are freed, so the entity's later
 *   events go on. A `resync` message has no such bound (it runs for as long as the listing takes).
 * - `stop()`: stop leasing, let in-flight work finish for `graceMs`, then abort it; what has still not returned a
 *   moment later is released all the same (retry with no delay), and the last acks are sent. So the loop ends within
 *   the grace period (plus that moment and the last ack call) even while a handler ignores its signal. A crash
 *   loses nothing: unacked leases expire and the messages come back.
 */

/** The part of the edge client the loop uses (tests drive the loop with an in-memory edge). */
export type DrainEdge = Pick<EdgeClient, "lease" | "ack" | "extend">;

export interface DrainLoopOptions {
  edge: DrainEdge;
  handler: MessageHandler;
  logger: Logger;
  concurrency?: number;
  visibilityMs?: number;
  /** Long-poll wait per lease call (the edge allows at most 25 s). */
  waitMs?: number;
  /** How long `stop()` lets in-flight work finish before aborting it. */
  graceMs?: number;
  /**
   * How long one event may take before it is dead-lettered (`BBRELAY_MESSAGE_TIMEOUT`); null: no bound. The timer
   * runs on `sleep`, so tests drive it in fake time.
   */
  messageTimeoutMs?: number | null;
  /** Upper bound of the reconnect backoff. */
  maxBackoffMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Calls `tick` every `ms` until stopped (the lease extender's timer; tests tick it by hand). */
  every?: (ms: number, tick: () => void) => { stop(): void };
  random?: () => number;
  /** Told what the loop does (metrics, the console's live feed); it must not throw nor block. */
  observer?: DrainObserver;
  /** Sent with each lease call: the edge then gives this agent back, at once, what its previous run held. */
  agent?: LeasingAgent;
}

/** What the loop reports as it goes: the console and the metrics read it; the loop never waits for it. */
export interface DrainObserver {
  /** The edge answered a lease call (with or without messages). */
  edgeAnswered?(at: number): void;
  leased?(message: LeasedMessage): void;
  /** The handler decided; `startedAt` and `finishedAt` bound the handling (epoch ms). */
  settled?(message: LeasedMessage, outcome: MessageOutcome, startedAt: number, finishedAt: number): void;
}

function realInterval(ms: number, tick: () => void): { stop(): void } {
  const timer = setInterval(tick, ms);
  return { stop: () => clearInterval(timer) };
}

interface InFlight {
  message: LeasedMessage;
  expiresAt: number;
  done: Promise<void>;
}

export interface DrainStats {
  leased: number;
  acked: number;
  retried: number;
  dead: number;
  /** Lease or ack calls that failed and were retried. */
  edgeErrors: number;
}

export class DrainLoop {
  readonly #options: Required<Omit<DrainLoopOptions, "edge" | "handler" | "logger" | "observer" | "agent">>;
  readonly #agent: LeasingAgent | undefined;
  readonly #observer: DrainObserver;
  readonly #edge: DrainEdge;
  readonly #handler: MessageHandler;
  readonly #log: Logger;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #entityChains = new Map<string, Promise<void>>();
  readonly #pendingAcks: { leaseId: string; outcome: MessageOutcome }[] = [];
  readonly #intake = new AbortController();
  readonly #work = new AbortController();
  /** Aborted when `stop()` stops waiting for handlers that ignored their signal: their messages are released. */
  readonly #giveUp = new AbortController();
  readonly #stats: DrainStats = { leased: 0, acked: 0, retried: 0, dead: 0, edgeErrors: 0 };
  /** Reconnecting to the edge: 1 s, 2 s, 4 s… up to `maxBackoffMs`, full jitter, never below 250 ms. */
  readonly #backoff: BackoffPolicy;
  #flushing: Promise<void> | null = null;
  #running: Promise<void> | null = null;
  #wake: (() => void) | null = null;

  constructor(options: DrainLoopOptions) {
    this.#edge = options.edge;
    this.#handler = options.handler;
    this.#agent = options.agent;
    this.#log = options.logger;
    this.#observer = options.observer ?? {};
    this.#options = {
      concurrency: options.concurrency ?? 8,
      visibilityMs: options.visibilityMs ?? 60_000,
      waitMs: options.waitMs ?? 20_000,
      graceMs: options.graceMs ?? 30_000,
      messageTimeoutMs: options.messageTimeoutMs === undefined ? DEFAULT_MESSAGE_TIMEOUT_MS : options.messageTimeoutMs,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? systemClock.sleep,
      every: options.every ?? realInterval,
      random: options.random ?? Math.random,
    };
    this.#backoff = {
      baseMs: 1_000,
      maxMs: this.#options.maxBackoffMs,
      jitter: "full",
      minMs: 250,
      random: this.#options.random,
    };
  }

  get stats(): Readonly<DrainStats> {
    return this.#stats;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Starts the loop. The returned promise settles when the loop ends: after `stop()`, or rejected with an
   * `EdgeError` the agent cannot recover from by waiting (a rejected token, an unknown tenant).
   */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#intake.abort();
    this.#wake?.();
    await this.#running?.catch(() => undefined);
  }

  async #run(): Promise<void> {
    // A failed extension is not fatal: the lease then expires and the message comes back, which is safe.
    const extender = this.#options.every(Math.max(1_000, Math.floor(this.#options.visibilityMs / 3)), () => {
      this.#extendDue().catch(() => undefined);
    });
    try {
      while (!this.#intake.signal.aborted) {
        if (this.#options.concurrency - this.#inFlight.size <= 0) {
          await this.#waitForSlot();
          continue;
        }
        const leased = await withRetries<LeasedMessage[], unknown>(
          async () => {
            try {
              const response = await this.#edge.lease(
                {
                  // Slots free up while a retry waits: ask for what is free now.
                  max: this.#options.concurrency - this.#inFlight.size,
                  visibilityMs: this.#options.visibilityMs,
                  waitMs: this.#options.waitMs,
                  ...(this.#agent === undefined ? {} : { agent: this.#agent }),
                },
                this.#intake.signal,
              );
              this.#observer.edgeAnswered?.(this.#options.now());
              return { ok: true, value: response.messages };
            } catch (error) {
              const retryability = edgeRetryability(error);
              if (retryability !== "final" && !this.#intake.signal.aborted) this.#stats.edgeErrors++;
              return { ok: false, error, retryability };
            }
          },
          {
            maxAttempts: Number.POSITIVE_INFINITY,
            backoff: this.#backoff,
            sleep: this.#options.sleep,
            signal: this.#intake.signal,
            onRetry: ({ error, delayMs }) =>
              this.#log.warn({ error: messageOf(error), retryInMs: delayMs }, "Waiting for the edge"),
          },
        );
        if (!leased.ok) {
          if (this.#intake.signal.aborted) break;
          throw leased.error;
        }
        if (leased.attempts > 1) this.#log.info({ afterFailures: leased.attempts - 1 }, "Edge reachable again");
        for (const message of leased.value) this.#begin(message);
      }
    } finally {
      await this.#drain();
      extender.stop();
      await this.#flushAcks();
    }
  }

  #begin(message: LeasedMessage): void {
    this.#stats.leased++;
    this.#observer.leased?.(message);
    const chainKey = message.entityKey ?? message.id;
    const previous = this.#entityChains.get(chainKey) ?? Promise.resolve();
    const done = previous
      .then(() => this.#process(message))
      .finally(() => {
        this.#inFlight.delete(message.leaseId);
        if (this.#entityChains.get(chainKey) === done) this.#entityChains.delete(chainKey);
        this.#wake?.();
      });
    this.#entityChains.set(chainKey, done);
    this.#inFlight.set(message.leaseId, { message, expiresAt: message.leaseExpiresAt, done });
  }

  async #process(message: LeasedMessage): Promise<void> {
    const log = this.#log.child({
      messageId: message.id,
      entity: message.entityKey ?? undefined,
      eventKey: message.eventKey,
      attempts: message.attempts,
    });
    const startedAt = this.#options.now();
    // Queued behind its entity's earlier message while the agent gave up on in-flight work: not started at all.
    const outcome: MessageOutcome = this.#giveUp.signal.aborted ? RELEASED : await this.#handleBounded(message, log);
    this.#observer.settled?.(message, outcome, startedAt, this.#options.now());
    if (outcome.action === "dead") log.warn({ reason: outcome.reason }, "Message dead-lettered");
    else if (outcome.action === "retry")
      log.info({ reason: outcome.reason, delayMs: outcome.delayMs }, "Message will be retried");
    else log.debug({}, "Message processed");
    this.#pendingAcks.push({ leaseId: message.leaseId, outcome });
    void this.#flushAcks();
  }

  /**
   * Runs the handler against the message's deadline and the loop's giving up, whichever comes first. A handler
   * that loses the race is told to stop (its signal aborts); what it returns afterwards is ignored.
   */
  async #handleBounded(message: LeasedMessage, log: Logger): Promise<MessageOutcome> {
    // The handler's signal: aborted at the message's deadline (`own`), or when the agent stops (`#work`).
    const own = new AbortController();
    let decided = false;
    const handled = this.#handler
      .handle(message, AbortSignal.any([this.#work.signal, own.signal]))
      .catch((error: unknown): MessageOutcome => {
        // A handler the loop stopped waiting for may fail later (its engine or catalog closed under it): that is
        // no news, and must not be the agent's last word.
        const report = decided ? log.debug.bind(log) : log.error.bind(log);
        report(
          { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
          decided ? "A handler that was stopped failed afterwards" : "Message handler failed unexpectedly",
        );
        return unexpectedFailureOutcome(error, message.attempts);
      });
    const bound = message.type === "resync" ? null : this.#options.messageTimeoutMs;
    const stopTimer = new AbortController();
    const racers: Promise<MessageOutcome | "deadline" | "released">[] = [
      handled,
      whenAborted(this.#giveUp.signal, stopTimer.signal),
    ];
    if (bound !== null) {
      racers.push(
        this.#options.sleep(bound, stopTimer.signal).then(
          () => "deadline" as const,
          () => "deadline" as const,
        ),
      );
    }
    const first = await Promise.race(racers);
    decided = true;
    stopTimer.abort();
    if (typeof first === "object") return first;
    // The handler goes on in the background for as long as it ignores its signal; its outcome is not waited for.
    own.abort(new Error(first === "deadline" ? "the message's time is up" : "shutting down"));
    if (first === "released") {
      log.warn({}, "The handler did not stop when asked; its message is released for another run");
      return RELEASED;
    }
    log.error({ timeoutMs: bound }, "No outcome within the message's time bound");
    return {
      action: "dead",
      reason:
        `no outcome within ${formatSeconds(bound ?? 0)} (BBRELAY_MESSAGE_TIMEOUT): a Bitbucket or catalog call that ` +
        "hangs, or a mapping that does not end; the handler was stopped and the entity's later events went on. " +
        "Redrive it once the cause is fixed",
    };
  }

  /** Sends gathered outcomes; one call at a time, and another right after if more arrived meanwhile. */
  #flushAcks(): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        while (this.#pendingAcks.length > 0) {
          const batch = this.#pendingAcks.splice(0, 500);
          await this.#sendAcks(batch);
        }
      } finally {
        this.#flushing = null;
      }
    })();
    return this.#flushing;
  }

  async #sendAcks(batch: { leaseId: string; outcome: MessageOutcome }[]): Promise<void> {
    const acks: string[] = [];
    const retries: { leaseId: string; delayMs: number; reason: string }[] = [];
    const dead: { leaseId: string; reason: string }[] = [];
    for (const { leaseId, outcome } of batch) {
      if (outcome.action === "ack") acks.push(leaseId);
      else if (outcome.action === "retry")
        retries.push({ leaseId, delayMs: Math.round(outcome.delayMs), reason: outcome.reason.slice(0, 4_000) });
      else dead.push({ leaseId, reason: outcome.reason.slice(0, 4_000) });
    }
    const sent = await withRetries<AckResponse, unknown>(
      async () => {
        try {
          return { ok: true, value: await this.#edge.ack({ acks, retries, dead }) };
        } catch (error) {
          this.#stats.edgeErrors++;
          return { ok: false, error, retryability: edgeRetryability(error) };
        }
      },
      // Stopping, an edge that fails the last acks must not hold the exit: what is not acked comes back after its
      // lease (at once to this agent's next run), which is safe.
      {
        maxAttempts: this.#intake.signal.aborted ? STOPPING_ACK_ATTEMPTS : 5,
        backoff: this.#backoff,
        sleep: this.#options.sleep,
      },
    );
    if (!sent.ok) {
      this.#log.error(
        { error: messageOf(sent.error), messages: batch.length },
        "Could not ack; the messages will come back after their visibility timeout",
      );
      return;
    }
    for (const result of sent.value.results) {
      if (result.outcome !== "ok") {
        this.#log.warn(
          { leaseId: result.leaseId, outcome: result.outcome },
          "The edge no longer held the lease; the message will be processed again",
        );
        continue;
      }
      if (result.action === "ack") this.#stats.acked++;
      else if (result.action === "retry") this.#stats.retried++;
      else this.#stats.dead++;
    }
  }

  /** Extends the leases that would run out before the next check. */
  async #extendDue(): Promise<void> {
    const now = this.#options.now();
    const horizon = now + Math.floor(this.#options.visibilityMs / 2);
    const due = [...this.#inFlight.values()].filter((entry) => entry.expiresAt <= horizon);
    if (due.length === 0) return;
    try {
      const response = await this.#edge.extend({
        leases: due.map((entry) => ({ leaseId: entry.message.leaseId, visibilityMs: this.#options.visibilityMs })),
      });
      for (const result of response.results) {
        const entry = this.#inFlight.get(result.leaseId);
        if (entry === undefined) continue;
        if (result.outcome === "ok" && result.leaseExpiresAt !== undefined) entry.expiresAt = result.leaseExpiresAt;
        else
          this.#log.warn(
            { leaseId: result.leaseId, outcome: result.outcome },
            "Lease lost while processing; the message may be processed twice",
          );
      }
    } catch (error) {
      this.#stats.edgeErrors++;
      this.#log.warn({ error: messageOf(error) }, "Could not extend leases");
    }
  }

  async #waitForSlot(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (this.#inFlight.size < this.#options.concurrency || this.#intake.signal.aborted) resolve();
    });
    this.#wake = null;
  }

  /**
   * Lets in-flight work finish within the grace period, then aborts it (handlers release what they hold); what has
   * not returned within a moment after that is released here (a handler stuck in a call that ignores its signal).
   */
  async #drain(): Promise<void> {
    if (this.#inFlight.size === 0) return;
    this.#log.info(
      { inFlight: this.#inFlight.size, graceMs: this.#options.graceMs },
      "Finishing in-flight work before stopping",
    );
    const all = Promise.all([...this.#inFlight.values()].map((entry) => entry.done));
    if ((await this.#within(all, this.#options.graceMs)) === "done") return;
    this.#work.abort(new Error("shutting down"));
    if ((await this.#within(all, Math.min(ABORT_WAIT_MS, this.#options.graceMs))) === "done") return;
    this.#log.warn({ inFlight: this.#inFlight.size }, "Releasing the messages whose handlers did not stop in time");
    this.#giveUp.abort();
    await all;
  }

  /** Waits for `work` at most `ms` (on the injected clock). */
  async #within(work: Promise<unknown>, ms: number): Promise<"done" | "timeout"> {
    const cancel = new AbortController();
    const timer = this.#options.sleep(ms, cancel.signal).then(
      () => (cancel.signal.aborted ? ("done" as const) : ("timeout" as const)),
      () => "done" as const,
    );
    const winner = await Promise.race([work.then(() => "done" as const), timer]);
    cancel.abort();
    return winner;
  }
}

/** The default of {@link DrainLoopOptions.messageTimeoutMs}: well past a healthy worst case (Bitbucket's retries). */
export const DEFAULT_MESSAGE_TIMEOUT_MS = 300_000;

/** Attempts of an ack call made while the loop stops (5 otherwise). */
const STOPPING_ACK_ATTEMPTS = 2;

/** After the grace period and the abort: how long handlers get to return their own outcome before release. */
const ABORT_WAIT_MS = 1_000;

/** A message whose handler the agent stopped waiting for: back to the queue at once, for the next run. */
const RELEASED: MessageOutcome = {
  action: "retry",
  delayMs: 0,
  reason: "the agent stopped before its handler returned",
};

/** Resolves "released" once `signal` aborts; its listener goes as soon as `done` aborts (no leak per message). */
function whenAborted(signal: AbortSignal, done: AbortSignal): Promise<"released"> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve("released");
    const onAbort = () => {
      done.removeEventListener("abort", cleanup);
      resolve("released");
    };
    const cleanup = () => signal.removeEventListener("abort", onAbort);
    signal.addEventListener("abort", onAbort, { once: true });
    done.addEventListener("abort", cleanup, { once: true });
  });
}

function formatSeconds(ms: number): string {
  return ms % 1_000 === 0 ? `${ms / 1_000} s` : `${ms} ms`;
}

/** An edge error says whether waiting helps; anything else (a dropped connection in a test's edge) may pass later. */
function edgeRetryability(error: unknown): Retryability {
  return error instanceof EdgeError ? error.retryability : "transient";
}

/** Attempts after which a message whose handler keeps throwing goes to the dead letters. */
const UNEXPECTED_ATTEMPTS = 3;

/**
 * A handler that throws has hit a bug, not an expected failure. The message must not be lost, nor hold up the
 * entity's later events: an error of the program itself (a TypeError, a stack overflow) fails the same way each
 * time, so it goes to the dead letters at once, with its reason; anything else is retried a minute later, and
 * dead-lettered after a few attempts.
 */
function unexpectedFailureOutcome(error: unknown, attempts: number): MessageOutcome {
  const reason = `unexpected error: ${messageOf(error)}`;
  if (isProgramError(error) || attempts >= UNEXPECTED_ATTEMPTS) return { action: "dead", reason };
  return { action: "retry", delayMs: 60_000, reason };
}

function isProgramError(error: unknown): boolean {
  // fetch() reports a network failure as a TypeError with the socket's error as its cause: that one may pass.
  if (error instanceof TypeError) return !(error.cause instanceof Error);
  return error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError;
}
