import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../../relay/http/backoff";
import {
  type AttemptOutcome,
  type AttemptReport,
  isRetryable,
  type Retryability,
  retryabilityOfStatus,
  withRetries,
} from "../../../relay/http/retry";

/** A script of attempt outcomes, and the waits the loop asked for (no real time passes). */
function scripted(outcomes: AttemptOutcome<string, string>[]) {
  const waits: number[] = [];
  let calls = 0;
  return {
    waits,
    get calls() {
      return calls;
    },
    attempt: async () => {
      const outcome = outcomes[Math.min(calls, outcomes.length - 1)];
      calls++;
      if (outcome === undefined) throw new Error("empty script");
      return outcome;
    },
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  };
}

function failing(retryability: Retryability, retryAfterMs: number | null = null): AttemptOutcome<string, string> {
  return { ok: false, error: `failed (${retryability})`, retryability, retryAfterMs };
}

const ok: AttemptOutcome<string, string> = { ok: true, value: "done", status: 200 };
const fixed = { baseMs: 100, maxMs: 10_000, jitter: "none" } as const;

describe("the backoff formula", () => {
  it("draws full-jitter delays below an exponential ceiling that stops at the maximum", () => {
    const options = { baseMs: 500, maxMs: 4000, jitter: "full" } as const;

    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, { ...options, random: () => 0.999 }))).toEqual([
      499, 999, 1998, 3996, 3996,
    ]);
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...options, minMs: 250, random: () => 0 })).toBe(250);
  });

  it("spreads proportionally, or not at all", () => {
    const spread = { baseMs: 300, maxMs: 1000, jitter: { spread: 0.1 } } as const;

    expect(backoffDelay(1, { ...spread, random: () => 0 })).toBe(270);
    expect(backoffDelay(1, { ...spread, random: () => 0.999 })).toBe(330);
    expect(backoffDelay(3, { ...spread, random: () => 0.5 })).toBe(1000);
    expect([1, 2, 3, 8].map((retry) => backoffDelay(retry, { baseMs: 5000, maxMs: 600_000, jitter: "none" }))).toEqual([
      5000, 10_000, 20_000, 600_000,
    ]);
  });
});

describe("one notion of retryable", () => {
  it("classifies statuses: 429 throttled, 408 and 5xx transient, other answers final", () => {
    expect([429, 408, 500, 503, 400, 401, 404, 409].map(retryabilityOfStatus)).toEqual([
      "throttled",
      "transient",
      "transient",
      "transient",
      "final",
      "final",
      "final",
      "final",
    ]);
  });

  it("retries a throttled call whatever the method, a transient one only when idempotent", () => {
    expect(isRetryable("throttled", false)).toBe(true);
    expect(isRetryable("transient", true)).toBe(true);
    expect(isRetryable("transient", false)).toBe(false);
    expect(isRetryable("final", true)).toBe(false);
  });
});

describe("withRetries", () => {
  it("retries until an attempt succeeds, waiting the backoff between attempts", async () => {
    const script = scripted([failing("transient"), failing("throttled"), ok]);

    const result = await withRetries(script.attempt, { maxAttempts: 5, backoff: fixed, sleep: script.sleep });

    expect(result).toEqual({ ok: true, value: "done", attempts: 3 });
    expect(script.waits).toEqual([100, 200]);
  });

  it("gives up after maxAttempts with the last error", async () => {
    const script = scripted([failing("transient")]);

    const result = await withRetries(script.attempt, { maxAttempts: 3, backoff: fixed, sleep: script.sleep });

    expect(result).toEqual({ ok: false, gaveUp: "attempts", attempts: 3, error: "failed (transient)" });
    expect(script.calls).toBe(3);
  });

  it("does not retry a final failure, nor a transient one that is not idempotent", async () => {
    const final = scripted([failing("final"), ok]);
    const post = scripted([failing("transient"), ok]);

    const finalResult = await withRetries(final.attempt, { maxAttempts: 5, backoff: fixed, sleep: final.sleep });
    const postResult = await withRetries(post.attempt, {
      maxAttempts: 5,
      backoff: fixed,
      sleep: post.sleep,
      idempotent: false,
    });

    expect(finalResult).toMatchObject({ ok: false, gaveUp: "final", attempts: 1 });
    expect(postResult).toMatchObject({ ok: false, gaveUp: "final", attempts: 1 });
    expect([...final.waits, ...post.waits]).toEqual([]);
  });

  it("waits what the server says, plus its jitter, capped", async () => {
    const script = scripted([failing("throttled", 2_000), failing("throttled", 60_000), ok]);

    await withRetries(script.attempt, {
      maxAttempts: 5,
      backoff: { ...fixed, random: () => 0.5 },
      retryAfter: { jitterMs: 100, maxMs: 30_000 },
      sleep: script.sleep,
    });

    expect(script.waits).toEqual([2_050, 30_000]);
  });

  it("stops before a wait that would pass the waiting budget, counting the attempt's own waits", async () => {
    const script = scripted([failing("transient")]);
    const spent: boolean[] = [];

    const result = await withRetries(
      async (context) => {
        spent.push(await context.spend(150));
        return script.attempt();
      },
      { maxAttempts: 10, maxWaitMs: 600, backoff: fixed, sleep: script.sleep },
    );

    // 150 (pacing) + 100 + 150 + 200 = 600: the third pacing is refused, and so is the third backoff (400).
    expect(result).toMatchObject({ ok: false, gaveUp: "budget", attempts: 3 });
    expect(script.waits).toEqual([150, 100, 150, 200]);
    expect(spent).toEqual([true, true, false]);
  });

  it("hands a throttled wait to the caller's pacer instead of sleeping it", async () => {
    const script = scripted([failing("throttled", 1_000), failing("transient"), ok]);
    const paused: number[] = [];

    await withRetries(script.attempt, {
      maxAttempts: 5,
      backoff: fixed,
      sleep: script.sleep,
      throttle: (ms) => paused.push(ms),
    });

    expect(paused).toEqual([1_000]);
    expect(script.waits).toEqual([200]);
  });

  it("ends when the signal aborts during a wait, and starts nothing once it is aborted", async () => {
    const controller = new AbortController();
    let calls = 0;

    const result = await withRetries(
      async () => {
        calls++;
        return failing("transient");
      },
      {
        maxAttempts: 10,
        backoff: fixed,
        signal: controller.signal,
        sleep: async () => {
          controller.abort();
          throw new Error("aborted sleep");
        },
      },
    );
    const before = await withRetries(async () => ok, {
      maxAttempts: 1,
      backoff: fixed,
      signal: controller.signal,
      sleep: async () => undefined,
    });

    expect(result).toEqual({ ok: false, gaveUp: "aborted", attempts: 1, error: "failed (transient)" });
    expect(calls).toBe(1);
    expect(before).toEqual({ ok: false, gaveUp: "aborted", attempts: 0, error: undefined });
  });

  it("lets an attempt's own refusal through", async () => {
    await expect(
      withRetries(
        async () => {
          throw new Error("circuit open");
        },
        { maxAttempts: 3, backoff: fixed, sleep: async () => undefined },
      ),
    ).rejects.toThrow("circuit open");
  });

  it("reports every attempt to an observer, with its status, duration and the wait that follows", async () => {
    const script = scripted([{ ...failing("throttled", 500), status: 429 }, ok]);
    const reports: AttemptReport[] = [];
    let clock = 0;

    await withRetries(
      async () => {
        clock += 7;
        return script.attempt();
      },
      { maxAttempts: 3, backoff: fixed, sleep: script.sleep, now: () => clock, onAttempt: (r) => reports.push(r) },
    );

    expect(reports).toEqual([
      { attempt: 1, durationMs: 7, outcome: "throttled", status: 429, retryInMs: 500 },
      { attempt: 2, durationMs: 7, outcome: "ok", status: 200, retryInMs: null },
    ]);
  });
});
