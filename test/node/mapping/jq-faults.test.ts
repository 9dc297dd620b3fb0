import { afterAll, describe, expect, it } from "vitest";
import { loadMappingText } from "../../../relay/config/mapping-loader";
import { HybridJqEngine } from "../../../relay/mapping/compiled";
import type { JqOutcome, Json } from "../../../relay/mapping/engine";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";

/**
 * jq 1.7.1 (jq-wasm) breaks on some inputs: it aborts on an assertion, reads out of bounds, or loops for minutes.
 * Each is an error outcome for that one evaluation (a field maps to null with a warning); the instance is replaced
 * and the next evaluation works. Inputs from issue 10.
 */

// Short, so that the looping inputs end soon; the aborts happen well within it.
const engine = new JqWasmEngine({ timeoutMs: 500 });
afterAll(() => engine.close());

async function firstOf(source: string, input: Json): Promise<JqOutcome> {
  const compiled = await engine.compile(source);
  if (compiled.kind !== "ok") throw new Error(`${source} does not compile: ${compiled.message}`);
  return await compiled.program.first(input);
}

describe("jq-wasm faults are values", () => {
  it.each([
    { source: "del(.[nan])", input: [1, 2] },
    { source: "strftime([])", input: 1 },
    { source: "try (. * 1000000000) catch .", input: "abc" },
    { source: "getpath([range(10000) | 0])", input: null },
    { source: 'getpath([range(10000) | "a"])', input: {} },
    { source: "setpath([range(10000) | 0]; 1)", input: null },
    { source: 'setpath([range(10000) | "a"]; 1)', input: null },
    { source: ". * 1000000000", input: "" },
  ])(
    "$source on $input is an error outcome, and the next evaluation works",
    async ({ source, input }) => {
      const before = engine.runtime.instancesCreated;

      const outcome = await firstOf(source, input);
      const next = await firstOf(".a + 1", { a: 41 });

      expect(outcome).toMatchObject({ kind: "error", fault: true });
      expect(outcome.kind === "error" ? outcome.message : "").toMatch(/^jq-wasm (aborted|failed)|^jq ran longer than/);
      expect(next).toEqual({ kind: "value", value: 42 });
      // The broken instance was replaced (once for the retry that tells a worn-out instance from a bad input).
      expect(engine.runtime.instancesCreated).toBeGreaterThan(before);
    },
    30_000,
  );

  it("says what broke: jq's assertion, or the time budget and the variable that sets it", async () => {
    const budget = new JqWasmEngine({ timeoutMs: 300 });
    try {
      const looping = await budget.compile(". * 1000000000");
      if (looping.kind !== "ok") throw new Error("does not compile");
      expect(await looping.program.first("")).toEqual({
        kind: "error",
        fault: true,
        message:
          "jq ran longer than 300 ms and was stopped (BBRELAY_JQ_TIMEOUT_MS sets how long a jq-wasm call may run)",
      });
    } finally {
      await budget.close();
    }
    expect(await firstOf("strftime([])", 1)).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/^jq-wasm (aborted \(Assertion failed: .*jv_string_value\)|ran longer)/),
    });
  }, 30_000);

  it("keeps jq's own errors as they were (not faults)", async () => {
    expect(await firstOf(".a.b", { a: "x" })).toEqual({
      kind: "error",
      message: 'Cannot index string with string "b"',
    });
  });
});

const MAPPING = `resources:
  - kind: pull-request
    selector:
      query: "true"
    port:
      entity:
        mappings:
          identifier: .id | tostring
          title: .title
          blueprint: '"pr"'
          properties:
            aborts: .createdDate | strftime([])
            loops: .description * 1000000000
            deleted: del(.reviewers[nan])
            state: .state
`;

describe("a mapping whose fields break jq", () => {
  it.each([{ fuseEngines: ["jq-wasm"] }, { fuseEngines: [] }])(
    "maps the item with those fields null and a counted warning each (fuse: $fuseEngines)",
    async ({ fuseEngines }) => {
      const wasm = new JqWasmEngine({ timeoutMs: 500 });
      try {
        const { mappers } = await loadMappingText(MAPPING, "a test mapping", {
          engine: wasm,
          mapperOptions: { fuseEngines },
        });
        const mapper = mappers[0];
        if (mapper === undefined) throw new Error("no mapper");
        const item = { id: 7, title: "T", state: "OPEN", createdDate: 1, description: "", reviewers: [1] };

        const first = await mapper.mapItem(item);
        const second = await mapper.mapItem({ ...item, id: 8 });

        for (const [result, identifier] of [
          [first, "7"],
          [second, "8"],
        ] as const) {
          expect(result.entities).toEqual([
            {
              identifier,
              title: "T",
              blueprint: "pr",
              properties: { aborts: null, loops: null, deleted: null, state: "OPEN" },
              relations: {},
            },
          ]);
          expect(result.counts.fieldErrors).toBe(3);
          expect(result.warnings.map((warning) => [warning.code, warning.path])).toEqual([
            ["field-error", "resources[0].port.entity.mappings.properties.aborts"],
            ["field-error", "resources[0].port.entity.mappings.properties.loops"],
            ["field-error", "resources[0].port.entity.mappings.properties.deleted"],
          ]);
        }
      } finally {
        await wasm.close();
      }
    },
    60_000,
  );

  it("keeps the compiled engine's value when jq-wasm cannot check it (no divergence, no demotion)", async () => {
    // `"" * 1000000000` is "" in jq, but jq 1.7.1 takes minutes to say so: the shadow run is stopped.
    const hybrid = new HybridJqEngine({ referenceOptions: { timeoutMs: 300 } });
    try {
      const compiled = await hybrid.compile(".description * 1000000000");
      if (compiled.kind !== "ok") throw new Error("does not compile");

      const outcome = await compiled.program.first({ description: "" });

      expect(outcome).toEqual({ kind: "value", value: "" });
      expect(compiled.program.engine).toBe("compiled");
      expect(hybrid.stats).toMatchObject({ shadowRuns: 1, divergences: 0 });
    } finally {
      await hybrid.close();
    }
  }, 30_000);
});

describe("a value nested deeper than jq prints", () => {
  it("is an error outcome, not a throw", async () => {
    expect(await firstOf("reduce range(300) as $i (0; [.])", null)).toEqual({
      kind: "error",
      message: "the value is nested deeper than jq prints (256 levels)",
    });
  });
});

describe("closing the engine while an evaluation runs", () => {
  it("ends the evaluation at once (an error outcome) instead of waiting out its time budget", async () => {
    // Ten minutes of budget: only the close can end this loop.
    const own = new JqWasmEngine({ timeoutMs: 600_000 });
    const compiled = await own.compile("until(false; .)");
    if (compiled.kind !== "ok") throw new Error(compiled.message);
    const running = Promise.resolve(compiled.program.first(1));
    // Not an assertion: time for the call to reach the worker (closed earlier, it ends the same way).
    await new Promise((resolve) => setTimeout(resolve, 300));

    await own.close();
    const outcome = await running;

    expect(outcome).toMatchObject({ kind: "error", fault: true });
    expect(outcome.kind === "error" ? outcome.message : "").toContain("closed");
  });
});
