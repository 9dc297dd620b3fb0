import { describe, expect, it } from "vitest";
import { CatalogUnavailableError } from "../../../relay/catalog/catalog-unavailable-error";
import { portHttpOf } from "../../../relay/catalog/port/port-http-of";
import { type Deadline, timeoutReason } from "../../../relay/http/clock";
import { silentLogger } from "../../support/silent-logger";

/** A network that never answers: a request ends only when its signal aborts. */
const silentNetwork: typeof fetch = (_url, init) =>
  new Promise((_resolve, reject) => {
    const signal = init?.signal;
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });

describe("Port's request time limit", () => {
  it("comes from the injected clock: each attempt ends when its limit passes, and the call fails after the retries", async () => {
    const limits: number[] = [];
    let cleared = 0;
    // Time limits that pass as soon as the request is on its way: no test time is spent waiting.
    const deadline = (ms: number): Deadline => {
      limits.push(ms);
      const controller = new AbortController();
      const timer = setImmediate(() => controller.abort(timeoutReason()));
      return {
        signal: controller.signal,
        clear: () => {
          cleared++;
          clearImmediate(timer);
        },
      };
    };
    const http = portHttpOf(
      { baseUrl: "http://127.0.0.1:9", clientId: "client", clientSecret: "secret" },
      {
        userAgent: "test",
        log: silentLogger(),
        fetch: silentNetwork,
        deadline,
        sleep: async () => undefined,
        maxAttempts: 3,
        requestTimeoutMs: 45_000,
      },
    );

    const error = await http.authenticate().then(
      () => null,
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(CatalogUnavailableError);
    expect(error instanceof CatalogUnavailableError ? error.kind : null).toBe("unreachable");
    expect(String(error)).toContain("failed 3 times: The operation was aborted due to timeout");
    expect(limits).toEqual([45_000, 45_000, 45_000]);
    expect(cleared).toBe(3);
  });
});
