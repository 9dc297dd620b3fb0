import { describe, expect, it } from "vitest";
import { type JqModule, loadJqModuleFactory } from "../../../relay/mapping/jq-wasm-module";
import { JqWasmRuntime } from "../../../relay/mapping/jq-wasm-runtime";

/**
 * A jq-wasm instance breaks sooner the longer the filter (about 1,030,000 / (3,300 + filter bytes) calls: 127 for
 * the ~4.8 KB filter below), and past that point it may spin forever instead of trapping, which hangs the agent (seen
 * with the default mapping's fused pull-request program in bench:resync). The runtime must replace instances before
 * they break, whatever the filter's length: not one call may reach a broken instance.
 */
describe("jq-wasm instance budget", () => {
  it("replaces instances before a long filter breaks them", async () => {
    const { factory } = loadJqModuleFactory();
    const failures: string[] = [];
    // The real instances, watched: an error that is not jq's own ("jq: ...") means the instance was broken.
    const createInstance = async (): Promise<JqModule> => {
      const instance = await factory();
      return {
        raw: async (input, filter, flags) => {
          try {
            return await instance.raw(input, filter, flags);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            if (!message.startsWith("jq: ")) failures.push(message);
            throw error;
          }
        },
      };
    };
    const runtime = new JqWasmRuntime({ createInstance });
    const fields = Array.from({ length: 700 }, (_, i) => `.f${i}`);
    const filter = `[${fields.join(", ")}] | map(select(. != null)) | length`;
    const outputs: string[] = [];

    for (let i = 0; i < 400; i++)
      outputs.push(await runtime.run(filter, JSON.stringify({ f0: i, f5: "x", [`f${i % 700}`]: true })));
    await runtime.close();

    expect(failures).toEqual([]);
    expect(outputs.slice(0, 3)).toEqual(["2", "3", "3"]);
    expect(outputs.filter((output, i) => output !== (i === 0 || i === 5 ? "2" : "3"))).toEqual([]);
    // More instances than the 200-calls rule alone would make (2): the budget is what replaced them.
    expect(runtime.instancesCreated).toBeGreaterThan(2);
  }, 60_000);
});
