import { afterEach, describe, expect, it } from "vitest";
import { EdgeError } from "../../../relay/edge/edge-error";
import { type DrainEdge, DrainLoop } from "../../../relay/live/drain-loop";
import type { MessageHandler, MessageOutcome } from "../../../relay/live/message-outcome";
import type { AckRequestInput, ExtendRequest, LeasedMessage, LeaseRequestInput } from "../../../shared/protocol/schema";
import { silentLogger } from "../../support/silent-logger";

/**
 * The drain loop against an in-memory edge: what it leases, acks, retries, extends and releases, without HTTP.
 * Deadlines are real but short; every wait polls with a deadline.
 */

class MemoryEdge implements DrainEdge {
  readonly queue: LeasedMessage[] = [];
  readonly acks: AckRequestInput[] = [];
  readonly extends: ExtendRequest[] = [];
  readonly leaseRequests: LeaseRequestInput[] = [];
  failLeases = 0;
  failAcks = false;
  ackCalls = 0;
  fatal: EdgeError | null = null;
  #next = 1;

  add(entityKey: string | null, type: LeasedMessage["type"] = "event"): LeasedMessage {
    const id = String(this.#next++);
    const message: LeasedMessage = {
      id,
      leaseId: `lease-${id}`,
      type,
      entityKey,
      receivedAt: 0,
      attempts: 1,
      leaseExpiresAt: Date.now() + 2_000,
      ...(type === "event" ? { eventKey: "pr:opened" } : {}),
    };
    this.queue.push(message);
    return message;
  }

  async lease(request: LeaseRequestInput, signal?: AbortSignal) {
    this.leaseRequests.push(request);
    if (this.fatal !== null) throw this.fatal;
    if (this.failLeases > 0) {
      this.failLeases--;
      throw new EdgeError(null, "unreachable", "POST /lease: edge unreachable (ECONNREFUSED)");
    }
    const messages = this.queue.splice(0, request.max ?? 10);
    if (messages.length === 0) {
      // An empty long-poll: 20 ms, or less when the loop stops. The listener goes with the poll (a lingering one per
      // poll is a leak on the loop's one intake signal).
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, 20);
        signal?.addEventListener("abort", done);
      });
      if (signal?.aborted === true) throw new EdgeError(null, "cancelled", "POST /lease: cancelled");
    }
    return { messages, backlog: this.queue.length };
  }

  async ack(request: AckRequestInput) {
    this.ackCalls++;
    if (this.failAcks) throw new EdgeError(null, "unreachable", "POST /ack: edge unreachable (ECONNREFUSED)");
    this.acks.push(request);
    const results = [
      ...(request.acks ?? []).map((leaseId) => ({ leaseId, action: "ack" as const, outcome: "ok" as const })),
      ...(request.retries ?? []).map(({ leaseId }) => ({ leaseId, action: "retry" as const, outcome: "ok" as const })),
      ...(request.dead ?? []).map(({ leaseId }) => ({ leaseId, action: "dead" as const, outcome: "ok" as const })),
    ];
    return { results };
  }

  async extend(request: ExtendRequest) {
    this.extends.push(request);
    return {
      results: request.leases.map(({ leaseId, visibilityMs }) => ({
        leaseId,
        outcome: "ok" as const,
        leaseExpiresAt: Date.now() + visibilityMs,
      })),
    };
  }

  settled(): Map<string, string> {
    const out = new Map<string, string>();
    for (const ack of this.acks) {
      for (const leaseId of ack.acks ?? []) out.set(leaseId, "ack");
      for (const retry of ack.retries ?? []) out.set(retry.leaseId, `retry:${retry.delayMs}`);
      for (const dead of ack.dead ?? []) out.set(dead.leaseId, `dead:${dead.reason}`);
    }
    return out;
  }
}

function handlerOf(handle: (message: LeasedMessage, signal: AbortSignal) => Promise<MessageOutcome>): MessageHandler {
  return { handle };
}

async function until(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const loops: DrainLoop[] = [];
afterEach(async () => {
  for (const loop of loops.splice(0)) await loop.stop();
});

function loopOf(
  edge: MemoryEdge,
  handler: MessageHandler,
  options: Partial<ConstructorParameters<typeof DrainLoop>[0]> = {},
): DrainLoop {
  const loop = new DrainLoop({
    edge,
    handler,
    logger: silentLogger(),
    waitMs: 20,
    sleep: async () => undefined,
    // Every wait here ends at once: the tests of the per-message bound give it a clock of their own.
    messageTimeoutMs: null,
    ...options,
  });
  loops.push(loop);
  return loop;
}

describe("the drain loop", () => {
  it("acks, retries and dead-letters each message as its handler says", async () => {
    const edge = new MemoryEdge();
    const ok = edge.add("pull-request:P/r/1");
    const retry = edge.add("pull-request:P/r/2");
    const dead = edge.add("pull-request:P/r/3");
    const loop = loopOf(
      edge,
      handlerOf(async (message) => {
        if (message.id === retry.id) return { action: "retry", delayMs: 5_000, reason: "Bitbucket: 503" };
        if (message.id === dead.id) return { action: "dead", reason: "the catalog refused it" };
        return { action: "ack" };
      }),
    );

    void loop.start();
    await until(() => edge.settled().size === 3, "three outcomes");

    expect(edge.settled()).toEqual(
      new Map([
        [ok.leaseId, "ack"],
        [retry.leaseId, "retry:5000"],
        [dead.leaseId, "dead:the catalog refused it"],
      ]),
    );
    expect(loop.stats).toMatchObject({ acked: 1, retried: 1, dead: 1 });
  });

  it("never runs two messages of one entity at once, even when a batch carries both", async () => {
    const edge = new MemoryEdge();
    edge.add("repository:P/r");
    edge.add("repository:P/r");
    edge.add("repository:P/other");
    let running = 0;
    let maxSameEntity = 0;
    const active = new Map<string, number>();
    const loop = loopOf(
      edge,
      handlerOf(async (message) => {
        const key = message.entityKey ?? "";
        active.set(key, (active.get(key) ?? 0) + 1);
        maxSameEntity = Math.max(maxSameEntity, active.get(key) ?? 0);
        running++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        active.set(key, (active.get(key) ?? 1) - 1);
        return { action: "ack" };
      }),
    );

    void loop.start();
    await until(() => edge.settled().size === 3, "three acks");

    expect(maxSameEntity).toBe(1);
    expect(running).toBe(0);
  });

  it("retries a message whose handler throws (a bug) instead of losing or acking it", async () => {
    const edge = new MemoryEdge();
    const message = edge.add("project:P");
    const loop = loopOf(
      edge,
      handlerOf(async () => {
        throw new Error("boom");
      }),
    );

    void loop.start();
    await until(() => edge.settled().size === 1, "an outcome");

    expect(edge.settled().get(message.leaseId)).toBe("retry:60000");
  });

  it("dead-letters at once, with the reason, a message whose handler fails with a program error", async () => {
    const edge = new MemoryEdge();
    const typeError = edge.add("pull-request:P/r/1");
    const overflow = edge.add("pull-request:P/r/2");
    const later = edge.add("pull-request:P/r/1");
    const loop = loopOf(
      edge,
      handlerOf(async (message) => {
        if (message.id === typeError.id) throw new TypeError("Cannot read properties of undefined (reading 'kind')");
        if (message.id === overflow.id) throw new RangeError("Maximum call stack size exceeded");
        return { action: "ack" };
      }),
    );

    void loop.start();
    await until(() => edge.settled().size === 3, "three outcomes");

    expect(edge.settled()).toEqual(
      new Map([
        [typeError.leaseId, "dead:unexpected error: Cannot read properties of undefined (reading 'kind')"],
        [overflow.leaseId, "dead:unexpected error: Maximum call stack size exceeded"],
        // The entity's later event goes on.
        [later.leaseId, "ack"],
      ]),
    );
  });

  it("dead-letters a message whose handler keeps throwing after three attempts instead of retrying it for ever", async () => {
    const edge = new MemoryEdge();
    const message = { ...edge.add("project:P"), attempts: 3 };
    edge.queue.splice(0, 1, message);
    const loop = loopOf(
      edge,
      handlerOf(async () => {
        throw new Error("boom");
      }),
    );

    void loop.start();
    await until(() => edge.settled().size === 1, "an outcome");

    expect(edge.settled().get(message.leaseId)).toBe("dead:unexpected error: boom");
  });

  it("keeps leasing at most its concurrency, with a resync holding a slot while events flow", async () => {
    const edge = new MemoryEdge();
    const resync = edge.add("resync", "resync");
    let releaseResync: () => void = () => undefined;
    const loop = loopOf(
      edge,
      handlerOf(async (message) => {
        if (message.type === "resync") await new Promise<void>((resolve) => (releaseResync = resolve));
        return { action: "ack" };
      }),
      { concurrency: 2 },
    );

    void loop.start();
    await until(() => loop.inFlight === 1, "the resync in flight");
    const event = edge.add("pull-request:P/r/9");
    await until(() => edge.settled().has(event.leaseId), "the event acked while the resync runs");
    const maxAsked = Math.max(...edge.leaseRequests.map((request) => request.max ?? 0));
    releaseResync();
    await until(() => edge.settled().has(resync.leaseId), "the resync acked");

    expect(maxAsked).toBeLessThanOrEqual(2);
    expect(edge.leaseRequests.some((request) => request.max === 1)).toBe(true);
  });

  it("extends the leases of slow work before they run out", async () => {
    const edge = new MemoryEdge();
    edge.add("project:slow");
    const ticks: Array<() => void> = [];
    let finish = () => {};
    const slow = new Promise<void>((resolve) => (finish = resolve));
    const loop = loopOf(
      edge,
      handlerOf(async () => {
        await slow;
        return { action: "ack" };
      }),
      {
        visibilityMs: 1_500,
        // A second later than the lease was given: the lease is due for extension at the next tick.
        now: () => Date.now() + 1_000,
        every: (ms, tick) => {
          expect(ms).toBe(1_000);
          ticks.push(tick);
          return { stop: () => ticks.splice(0) };
        },
      },
    );

    void loop.start();
    await until(() => ticks.length === 1 && edge.leaseRequests.length > 0, "the extender's timer and a lease");
    await until(() => {
      ticks[0]?.();
      return edge.extends.length > 0;
    }, "an extension");
    finish();
    await until(() => edge.settled().size === 1, "the slow ack");

    expect(edge.extends[0]?.leases[0]).toEqual({ leaseId: "lease-1", visibilityMs: 1_500 });
  });

  it("backs off and keeps trying while the edge is unreachable", async () => {
    const edge = new MemoryEdge();
    edge.failLeases = 3;
    edge.add("project:P");
    const waits: number[] = [];
    const loop = loopOf(
      edge,
      handlerOf(async () => ({ action: "ack" })),
      {
        sleep: async (ms) => {
          waits.push(ms);
        },
        random: () => 0.999,
      },
    );

    void loop.start();
    await until(() => edge.settled().size === 1, "the ack after reconnecting");

    expect(waits.slice(0, 3)).toEqual([999, 1998, 3996]);
    expect(loop.stats.edgeErrors).toBe(3);
  });

  it("stops on an error waiting cannot fix (a rejected token), rejecting start()", async () => {
    const edge = new MemoryEdge();
    edge.fatal = new EdgeError(401, "unauthorized", "POST /lease: unauthorized");
    const loop = loopOf(
      edge,
      handlerOf(async () => ({ action: "ack" })),
    );

    await expect(loop.start()).rejects.toThrow(/unauthorized/);
  });

  it("on stop, finishes in-flight work within the grace period, then releases what is left", async () => {
    const edge = new MemoryEdge();
    const quick = edge.add("project:quick");
    const stuck = edge.add("project:stuck");
    const loop = loopOf(
      edge,
      handlerOf(async (message, signal) => {
        if (message.id === quick.id) {
          await new Promise((resolve) => setTimeout(resolve, 30));
          return { action: "ack" };
        }
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        return { action: "retry", delayMs: 0, reason: "the agent stopped" };
      }),
      {
        graceMs: 200,
        // The grace period is the only wait here; it ends when the test says so (fake time), early on abort.
        sleep: (ms, signal) =>
          new Promise((resolve, reject) => {
            graceWaits.push(ms);
            endGrace = () => resolve();
            signal?.addEventListener("abort", () => reject(new Error("aborted")));
          }),
      },
    );
    const graceWaits: number[] = [];
    let endGrace: () => void = () => undefined;

    const running = loop.start();
    await until(() => loop.inFlight === 2, "both in flight");
    const stopping = loop.stop();
    await until(() => loop.inFlight === 1, "the quick one done within the grace period");
    endGrace();
    await stopping;
    await running;

    expect(edge.settled()).toEqual(
      new Map([
        [quick.leaseId, "ack"],
        [stuck.leaseId, "retry:0"],
      ]),
    );
    expect(loop.inFlight).toBe(0);
    expect(graceWaits[0]).toBe(200);
  });

  it("on stop, releases a message whose handler ignores the abort, and never starts the one queued behind it", async () => {
    const edge = new MemoryEdge();
    const stuck = edge.add("pull-request:P/r/1");
    const behind = edge.add("pull-request:P/r/1");
    const started: string[] = [];
    const loop = loopOf(
      edge,
      handlerOf((message) => {
        started.push(message.id);
        // A call that ignores its signal (a wasm evaluation, a library without abort support): it never settles.
        return new Promise<MessageOutcome>(() => undefined);
      }),
      // Fake time: the grace period, and the moment after the abort, are over as soon as they begin.
      { graceMs: 30_000, sleep: async () => undefined },
    );

    const running = loop.start();
    await until(() => started.length === 1, "the stuck handler running");
    await loop.stop();
    await running;

    expect(edge.settled()).toEqual(
      new Map([
        [stuck.leaseId, "retry:0"],
        [behind.leaseId, "retry:0"],
      ]),
    );
    expect(started).toEqual([stuck.id]);
    expect(loop.inFlight).toBe(0);
  });

  it("on stop, tries the last acks twice, not five times, when the edge fails them", async () => {
    const edge = new MemoryEdge();
    edge.add("project:P");
    let release: () => void = () => undefined;
    const loop = loopOf(
      edge,
      handlerOf(async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return { action: "ack" };
      }),
    );

    const running = loop.start();
    await until(() => loop.inFlight === 1, "the message in flight");
    edge.failAcks = true;
    const stopping = loop.stop();
    release();
    await stopping;
    await running;

    expect(edge.ackCalls).toBe(2);
    expect(loop.stats).toMatchObject({ acked: 0, edgeErrors: 2 });
  });
});

describe("the per-message bound", () => {
  /** Fake time: each wait is kept until the test ends it; an abort ends it early, as the system clock's does. */
  function fakeTimers() {
    const waits: { ms: number; end: () => void; ended: boolean }[] = [];
    const sleep = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        const wait = { ms, ended: false, end: () => undefined };
        wait.end = () => {
          wait.ended = true;
          resolve();
        };
        waits.push(wait);
        signal?.addEventListener("abort", () => wait.end(), { once: true });
      });
    return { waits, sleep, pending: () => waits.filter((wait) => !wait.ended) };
  }

  it("dead-letters an event without an outcome in time, with the reason, and the entity's later event goes on", async () => {
    const edge = new MemoryEdge();
    const hung = edge.add("pull-request:P/r/1");
    const later = edge.add("pull-request:P/r/1");
    const clock = fakeTimers();
    let hungSignal: AbortSignal | null = null;
    const loop = loopOf(
      edge,
      handlerOf(async (message, signal) => {
        if (message.id !== hung.id) return { action: "ack" };
        hungSignal = signal;
        // A Bitbucket read that hangs and ignores its signal.
        return new Promise<MessageOutcome>(() => undefined);
      }),
      { messageTimeoutMs: 90_000, sleep: clock.sleep },
    );

    void loop.start();
    await until(() => clock.pending().length === 1 && hungSignal !== null, "the hung handler and its timer");
    expect(clock.pending()[0]?.ms).toBe(90_000);
    clock.pending()[0]?.end();
    await until(() => edge.settled().size === 2, "both outcomes");

    expect(edge.settled()).toEqual(
      new Map([
        [
          hung.leaseId,
          "dead:no outcome within 90 s (BBRELAY_MESSAGE_TIMEOUT): a Bitbucket or catalog call that hangs, or a " +
            "mapping that does not end; the handler was stopped and the entity's later events went on. Redrive it " +
            "once the cause is fixed",
        ],
        [later.leaseId, "ack"],
      ]),
    );
    expect((hungSignal as AbortSignal | null)?.aborted).toBe(true);
    expect(loop.inFlight).toBe(0);
    // The later event's timer was cancelled when it answered: nothing is left waiting.
    expect(clock.pending()).toEqual([]);
  });

  it("gives a resync message no bound: it runs as long as the listing takes", async () => {
    const edge = new MemoryEdge();
    const resync = edge.add("resync", "resync");
    const clock = fakeTimers();
    let finish: () => void = () => undefined;
    const loop = loopOf(
      edge,
      handlerOf(async () => {
        await new Promise<void>((resolve) => (finish = resolve));
        return { action: "ack" };
      }),
      { messageTimeoutMs: 1_000, sleep: clock.sleep },
    );

    void loop.start();
    await until(() => loop.inFlight === 1, "the resync in flight");
    const timers = clock.pending().length;
    finish();
    await until(() => edge.settled().size === 1, "the resync acked");

    expect(timers).toBe(0);
    expect(edge.settled().get(resync.leaseId)).toBe("ack");
  });
});
