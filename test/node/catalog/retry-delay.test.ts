import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_DELAY_POLICY, retryDelay } from "../../../relay/catalog/port/retry-delay";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const POLICY = { ...DEFAULT_RETRY_DELAY_POLICY, random: () => 0.5 };

function delay(status: number | null, headers: Record<string, string> | null, attempt = 1) {
  return retryDelay(status, headers === null ? null : new Headers(headers), attempt, NOW, POLICY);
}

describe("retry delay", () => {
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
  ])("on a 429 follows %s", (_, headers, delayMs, source) => {
    expect(delay(429, headers)).toEqual({ delayMs, source });
  });

  it("backs off exponentially without a hint, with ±10 % jitter", () => {
    expect([1, 2, 3, 4].map((attempt) => delay(503, {}, attempt).delayMs)).toEqual([300, 600, 1200, 2400]);
    expect(retryDelay(503, new Headers(), 1, NOW, { ...POLICY, random: () => 0 }).delayMs).toBe(270);
    expect(retryDelay(null, null, 1, NOW, { ...POLICY, random: () => 0.999 }).delayMs).toBe(330);
  });

  it("ignores the rate window's reset on a 5xx unless the limit is spent", () => {
    expect(delay(503, { "x-ratelimit-reset": "120", "x-ratelimit-remaining": "500" })).toEqual({
      delayMs: 300,
      source: "backoff",
    });
    expect(delay(503, { "x-ratelimit-reset": "120", "x-ratelimit-remaining": "0" })).toEqual({
      delayMs: 120_000,
      source: "x-ratelimit-reset",
    });
  });
});
