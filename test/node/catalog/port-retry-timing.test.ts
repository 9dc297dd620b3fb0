import { describe, expect, it } from "vitest";
import { PORT_BACKOFF } from "../../../relay/catalog/port/port-http";
import { retryabilityOfStatus, withRetries } from "../../../relay/http/retry";
import { serverRetryHint } from "../../../relay/http/retry-after";

const NOW = Date.parse("2026-01-01T00:00:00Z");

/**
 * The wait before Port's next attempt, as PortHttp computes it: the server's hint (Retry-After, then
 * x-ratelimit-reset) through the retry helper with Port's backoff and cap.
 */
async function delay(status: number | null, headers: Record<string, string> | null, attempt = 1, random = () => 0.5) {
  const hint = status === null || headers === null ? null : serverRetryHint(status, new Headers(headers), NOW);
  const waits: number[] = [];
  await withRetries(
    async (context) =>
      context.attempt > attempt
        ? { ok: true, value: null }
        : {
            ok: false,
            error: null,
            retryability: status === null ? "transient" : retryabilityOfStatus(status),
            retryAfterMs: context.attempt === attempt ? (hint?.delayMs ?? null) : null,
          },
    {
      maxAttempts: attempt + 1,
      backoff: { ...PORT_BACKOFF, random },
      retryAfter: { maxMs: PORT_BACKOFF.maxMs },
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  );
  return { delayMs: waits[attempt - 1], source: hint?.source ?? "backoff" };
}

describe("Port's retry delay", () => {
  it.each([
    ["Retry-After in seconds", { "retry-after": "5" }, 5000, "retry-after"],
    ["Retry-After as an HTTP date", { "retry-after": "Thu, 01 Jan 2026 00:00:42 GMT" }, 42_000, "retry-after"],
    [
      "x-ratelimit-reset as epoch seconds",
      { "x-ratelimit-reset": String(NOW / 1000 + 90) },
      90_000,
      "x-ratelimit-reset",
    ],
    ["x-ratelimit-reset as seconds until", { "x-ratelimit-reset": "15" }, 15_000, "x-ratelimit-reset"],
    ["x-ratelimit-reset as an ISO date", { "x-ratelimit-reset": "2026-01-01T00:00:03Z" }, 3000, "x-ratelimit-reset"],
    ["Retry-After before x-ratelimit-reset", { "retry-after": "2", "x-ratelimit-reset": "60" }, 2000, "retry-after"],
    ["a hint beyond the cap", { "retry-after": "3600" }, 300_000, "retry-after"],
    ["a reset already past", { "x-ratelimit-reset": String(NOW / 1000 - 100_000) }, 0, "x-ratelimit-reset"],
  ])("on a 429 follows %s", async (_, headers, delayMs, source) => {
    expect(await delay(429, headers)).toEqual({ delayMs, source });
  });

  it("backs off exponentially without a hint, with ±10 % jitter", async () => {
    const delays = await Promise.all([1, 2, 3, 4].map(async (attempt) => (await delay(503, {}, attempt)).delayMs));
    expect(delays).toEqual([300, 600, 1200, 2400]);
    expect((await delay(503, {}, 1, () => 0)).delayMs).toBe(270);
    expect((await delay(null, null, 1, () => 0.999)).delayMs).toBe(330);
  });

  it("ignores the rate window's reset on a 5xx unless the limit is spent", async () => {
    expect(await delay(503, { "x-ratelimit-reset": "120", "x-ratelimit-remaining": "500" })).toEqual({
      delayMs: 300,
      source: "backoff",
    });
    expect(await delay(503, { "x-ratelimit-reset": "120", "x-ratelimit-remaining": "0" })).toEqual({
      delayMs: 120_000,
      source: "x-ratelimit-reset",
    });
  });
});
