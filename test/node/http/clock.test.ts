import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { systemClock } from "../../../relay/http/clock";

describe("the system clock", () => {
  it("waits on many sleeps of one signal without a listener on it each, and an abort ends them all", async () => {
    const stop = new AbortController();
    const sleeps = Array.from({ length: 20 }, () => systemClock.sleep(60_000, stop.signal));

    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
    stop.abort();
    await expect(Promise.all(sleeps)).resolves.toHaveLength(20);
  });

  it("aborts a deadline's signal with AbortSignal.timeout's reason, and never once cleared", async () => {
    const passed = systemClock.deadline(1);
    const cleared = systemClock.deadline(1);
    cleared.clear();

    await new Promise<void>((resolve) => passed.signal.addEventListener("abort", () => resolve(), { once: true }));
    await systemClock.sleep(5);

    const reason: unknown = passed.signal.reason;
    expect(reason instanceof DOMException ? [reason.name, reason.message] : reason).toEqual([
      "TimeoutError",
      "The operation was aborted due to timeout",
    ]);
    expect(cleared.signal.aborted).toBe(false);
  });
});
