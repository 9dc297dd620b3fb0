import { afterAll, describe, expect, it } from "vitest";
import { compileJq, InputPreparer, NEEDS_REFERENCE } from "../../../relay/mapping/compiled";
import type { JqOutcome, Json } from "../../../relay/mapping/engine";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";

/**
 * Differential checks against jq-wasm (jq 1.7.1) for what issue 10 found the compiled engine getting wrong:
 * fractional slice bounds, constant object keys jq refuses at compile time, and jq's depth limits for parsing
 * (`fromjson`) and printing (`tojson`, `tostring`, interpolation, error messages).
 */

const wasm = new JqWasmEngine();
afterAll(() => wasm.close());
const preparer = new InputPreparer();

type Outcome = JqOutcome | { kind: "compile-error"; message: string } | { kind: "defer" };

async function reference(source: string, input: Json): Promise<Outcome> {
  const compiled = await wasm.compile(source);
  if (compiled.kind === "error") return { kind: "compile-error", message: compiled.message };
  const outcome = await compiled.program.first(input);
  // The fault flag is the jq-wasm engine's own; jq's outcome is kind and message.
  return outcome.kind === "error" ? { kind: "error", message: outcome.message } : outcome;
}

function compiledOutcome(source: string, input: Json): Outcome {
  const result = compileJq(source);
  if (result.kind === "error") return { kind: "compile-error", message: result.message };
  if (result.kind === "unsupported") throw new Error(`${source} is not compiled: ${result.reason}`);
  const prepared = preparer.prepare(input);
  if (prepared === NEEDS_REFERENCE) throw new Error("the input needs jq-wasm");
  const outcome = result.program.run(prepared);
  return outcome.kind === "defer" ? { kind: "defer" } : outcome;
}

async function expectSame(source: string, input: Json): Promise<Outcome> {
  const expected = await reference(source, input);
  expect({ source, outcome: compiledOutcome(source, input) }).toEqual({ source, outcome: expected });
  return expected;
}

function nested(depth: number, wrap: (inner: Json) => Json): Json {
  let value: Json = 1;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

describe("the compiled engine against jq-wasm", () => {
  it("slices with fractional bounds as jq 1.7.1 does (`.[1.2:0]` is empty)", async () => {
    expect(await expectSame("[range(10)] | .[1.2:0]", null)).toEqual({ kind: "value", value: [] });
    expect(await expectSame('"abcdef" | .[1.2:0]', null)).toEqual({ kind: "value", value: "" });
    const bounds = ["null", "-11", "-2.5", "-1", "-0.5", "0", "0.5", "1", "1.2", "2.5", "3", "5.9", "9.5", "10", "11"];
    for (const from of bounds) {
      for (const to of bounds) {
        await expectSame(`[range(10)] | .[${from}:${to}]`, null);
        await expectSame(`"abcdéf" | .[${from}:${to}]`, null);
      }
    }
  }, 120_000);

  it("refuses a constant object key that is not a string at compile time, with jq's message", async () => {
    for (const source of [
      "{(0):1}",
      "{(null): .a}",
      "{(true): 1}",
      "{([]): 1}",
      "{({}): 1}",
      "{a: 1, (0): 2}",
      "[{(7): 1}]",
      "try {(0): 1} catch .",
      "def f: {(0): 1}; 1",
      "{(0): 1, (false): 2}",
      ".a as $x |\n  {(12): $x}",
    ]) {
      expect(await expectSame(source, { a: 1 })).toMatchObject({ kind: "compile-error" });
    }
    expect(await reference("{(0):1}", null)).toEqual({
      kind: "compile-error",
      message: "Cannot use number (0) as object key at <top-level>, line 1: {(0):1}",
    });
    // Keys that are not constants stay runtime errors (or values), as in jq.
    for (const source of ["{(.a): 1}", '{("a"): 1}', "{(.a | tostring): 1}", '{("x", 0): 1}']) {
      await expectSame(source, { a: 1 });
    }
    // A key jq folds from constants is left to jq-wasm rather than guessed.
    expect(compileJq("{(1 + 1): 1}").kind).toBe("unsupported");
  }, 60_000);

  it("applies jq's parsing depth limit in fromjson: 256 nested arrays parse, 257 do not; 128 objects, not 129", async () => {
    const arrays = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    const objects = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
    expect((await expectSame("fromjson", arrays(256))).kind).toBe("value");
    expect(await expectSame("fromjson", arrays(257))).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/^Exceeds depth limit for parsing at line 1, column 257 \(while parsing '\[\[/),
    });
    expect((await expectSame("fromjson", objects(128))).kind).toBe("value");
    expect((await expectSame("fromjson", objects(129))).kind).toBe("error");
    await expectSame("fromjson", `[${"[".repeat(200)}${"]".repeat(200)},{"é":${objects(100)}}]`);
    await expectSame("fromjson", `{"a":"[[[[","b":${arrays(254)}}`);
    await expectSame("fromjson", `{"a":"ü","b":${arrays(256)}}`);
  }, 60_000);

  it("prints values nested past 256 levels as jq does: `<skipped: too deep>`", async () => {
    for (const depth of [254, 255, 256]) {
      for (const source of ["[[.]] | tojson", "[[.]] | tostring", '[[.]] | "x\\(.)"', "[[.]] | @json"]) {
        await expectSame(
          source,
          nested(depth, (inner) => [inner]),
        );
      }
      await expectSame(
        "{a: {b: .}} | tojson",
        nested(depth, (inner) => [inner]),
      );
    }
    const deep = await expectSame("reduce range(300) as $i (0; [.]) | tojson", null);
    expect(deep).toEqual({ kind: "value", value: `${"[".repeat(257)}<skipped: too deep>${"]".repeat(257)}` });
    await expectSame("reduce range(300) as $i (0; {a: .}) | tojson", null);
    await expectSame("reduce range(300) as $i (0; [.]) | error", null);
  }, 60_000);
});

describe("inputs nested deeper than jq parses", () => {
  it("are left to jq-wasm, which reports jq's parse error (no stack overflow at 10,000 levels)", async () => {
    const objects = nested(129, (inner) => ({ a: inner }));
    const arrays = nested(10_000, (inner) => [inner]);
    expect(preparer.prepare(nested(128, (inner) => ({ a: inner })))).not.toBe(NEEDS_REFERENCE);
    expect(preparer.prepare(objects)).toBe(NEEDS_REFERENCE);
    expect(preparer.prepare(nested(256, (inner) => [inner]))).not.toBe(NEEDS_REFERENCE);
    expect(preparer.prepare(nested(257, (inner) => [inner]))).toBe(NEEDS_REFERENCE);
    expect(preparer.prepare(arrays)).toBe(NEEDS_REFERENCE);
    expect(await reference(".a", objects)).toMatchObject({
      kind: "error",
      message: expect.stringContaining("Exceeds depth limit for parsing"),
    });
  });
});
