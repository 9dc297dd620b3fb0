import { describe, expect, it } from "vitest";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { seedPayload } from "./seed-files";

/**
 * jq-wasm breaks after about 310 calls on one instance (jq-wasm.md); the engine must recycle instances so that a
 * resync's worth of evaluations all succeed. 10,000 consecutive evaluations of a real mapping expression on
 * changing inputs, each result checked.
 */
describe("the jq-wasm engine over 10,000 consecutive evaluations", () => {
  it("gives the right answer every time, on fresh instances well before the failure point", async () => {
    const engine = new JqWasmEngine();
    const compiled = await engine.compile(
      '(.toRef.repository.slug) + "-" + (.id | tostring) + "@" + (.createdDate / 1000 | todate)',
    );
    if (compiled.kind !== "ok") throw new Error(compiled.message);
    const base = seedPayload("pull-request");
    if (typeof base !== "object" || base === null || Array.isArray(base)) throw new Error("the seed PR is an object");
    let wrong = 0;
    let firstWrong: unknown = null;

    for (let i = 0; i < 10_000; i++) {
      const outcome = await compiled.program.first({ ...base, id: i, createdDate: 1747730324792 + i * 1000 });
      const expected = `repostiroy-3-${i}@${new Date(1747730324000 + i * 1000).toISOString().replace(".000Z", "Z")}`;
      if (outcome.kind !== "value" || outcome.value !== expected) {
        wrong++;
        firstWrong ??= { i, outcome, expected };
      }
    }
    const instances = engine.runtime.instancesCreated;
    await engine.close();

    expect(firstWrong).toBeNull();
    expect(wrong).toBe(0);
    // 10,000 calls (plus the compile check) at 200 per instance.
    expect(instances).toBe(51);
  });
});
