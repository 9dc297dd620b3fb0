import { describe, expect, it } from "vitest";
import type { WebhookStatisticsSummaryWire } from "../../../relay/bitbucket/schema";
import { webhookHealth } from "../../../relay/webhooks/webhook-health";

const at = (time: number, outcome: string, description?: string) => ({
  start: time - 5,
  finish: time,
  result: { outcome, ...(description ? { description } : {}) },
});
const counts = { successes: 3, failures: 1, errors: 2 };

describe("webhook health from a statistics summary", () => {
  it.each<{ name: string; summary: WebhookStatisticsSummaryWire; status: string }>([
    { name: "no invocation at all", summary: {}, status: "never-delivered" },
    { name: "only successes", summary: { lastSuccess: at(100, "SUCCESS") }, status: "healthy" },
    {
      name: "a success after a failure",
      summary: { lastSuccess: at(300, "SUCCESS"), lastFailure: at(200, "FAILURE") },
      status: "healthy",
    },
    {
      name: "a failure after a success",
      summary: { lastSuccess: at(100, "SUCCESS"), lastFailure: at(200, "FAILURE") },
      status: "failing",
    },
    {
      name: "an error after a success and an old failure",
      summary: { lastSuccess: at(100, "SUCCESS"), lastFailure: at(50, "FAILURE"), lastError: at(150, "ERROR") },
      status: "failing",
    },
    {
      name: "a failure and a success at the same moment (pessimistic)",
      summary: { lastSuccess: at(100, "SUCCESS"), lastFailure: at(100, "FAILURE") },
      status: "failing",
    },
    { name: "failures only", summary: { lastError: at(10, "ERROR") }, status: "failing" },
  ])("$name → $status", ({ summary, status }) => {
    expect(webhookHealth(summary).status).toBe(status);
  });

  it("names the latest failure, when it happened, what Bitbucket said, and the counts", () => {
    const health = webhookHealth({
      lastSuccess: at(100, "SUCCESS"),
      lastFailure: at(200, "FAILURE", "401 Unauthorized"),
      lastError: at(300, "ERROR", "Connection refused"),
      counts,
    });

    expect(health).toEqual({
      status: "failing",
      lastOutcome: "ERROR",
      lastFailureAt: 300,
      description: "Connection refused",
      lastSuccessAt: 100,
      counts,
    });
  });

  it("falls back to the start time, and to unknown counts", () => {
    expect(webhookHealth({ lastSuccess: { start: 42, result: { outcome: "SUCCESS" } } })).toEqual({
      status: "healthy",
      lastSuccessAt: 42,
      counts: { successes: null, failures: null, errors: null },
    });
  });
});
