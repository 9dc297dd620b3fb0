import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { compileJq } from "../../../relay/mapping/compiled/compiled-program";
import { jsonEqual } from "../../../relay/mapping/compiled/outcomes-equal";
import { InputPreparer, NEEDS_REFERENCE } from "../../../relay/mapping/compiled/prepare-input";
import { DeferToReference } from "../../../relay/mapping/compiled/runtime/signals";
import { dump } from "../../../relay/mapping/compiled/runtime/text";
import type { Json } from "../../../relay/mapping/engine";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { JqWasmRuntime } from "../../../relay/mapping/jq-wasm-runtime";
import { seedPayload, seedText } from "../mapping/seed-files";
import { CORNER_CASES, MANUAL_EXAMPLES, RANDOM_INPUT_EXPRESSIONS } from "./corpus-expressions";
import { corpusInputs } from "./corpus-inputs";
import { payloadVariants, randomInputs } from "./random-inputs";
import { runReference } from "./reference-batch";

/**
 * The differential suite: every expression runs on every generated input in the compiled engine and in jq-wasm
 * (jq 1.7.1), and the two must agree exactly: same value, same printed text, same error message, same "no
 * output". An input the compiled engine defers to jq-wasm is not a difference (the hybrid engine then asks
 * jq-wasm), but it is counted; an expression outside the compiled subset is served by jq-wasm and listed.
 */

const NOW = 1747730324.792;

/** Every jq leaf of a port-app-config document: selector queries and every mapping leaf. */
function mappingLeaves(yamlText: string): string[] {
  const leaves: string[] = [];
  const walk = (node: unknown, inMappings: boolean): void => {
    if (typeof node === "string") {
      if (inMappings) leaves.push(node);
    } else if (Array.isArray(node)) {
      for (const item of node) walk(item, inMappings);
    } else if (typeof node === "object" && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === "query" && typeof value === "string") leaves.push(value);
        else walk(value, inMappings || key === "mappings");
      }
    }
  };
  walk(parse(yamlText), false);
  return [...new Set(leaves)];
}

interface Report {
  expressions: number;
  compiled: number;
  fallback: { source: string; reason: string }[];
  compileErrors: number;
  pairs: number;
  textChecked: number;
  deferred: number;
  deferReasons: Record<string, number>;
  mismatches: string[];
}

const runtime = new JqWasmRuntime();
const corpus = corpusInputs();
const reports: Record<string, Report> = {};
/**
 * The suite's figures (pairs compared, deferred cases, what jq-wasm serves) are printed only on request
 * (`BBRELAY_DIFFERENTIAL_REPORT=1`): a test prints nothing it does not assert on.
 */
const printReport = process.env.BBRELAY_DIFFERENTIAL_REPORT === "1";

afterAll(async () => {
  await runtime.close();
  if (!printReport) return;
  const total = Object.values(reports).reduce((sum, r) => sum + r.pairs, 0);
  const lines = Object.entries(reports).map(
    ([name, r]) =>
      `${name}: ${r.expressions} expressions (${r.compiled} compiled, ${r.fallback.length} jq-wasm, ${r.compileErrors} compile errors), ${r.pairs} pairs, ${r.textChecked} texts checked, ${r.deferred} deferred ${JSON.stringify(r.deferReasons)}`,
  );
  console.log(`differential suite: ${corpus.length} corpus inputs, ${total} compared pairs\n${lines.join("\n")}`);
});

async function differential(
  name: string,
  expressions: readonly string[],
  inputs: readonly Json[] = corpus,
): Promise<Report> {
  const preparer = new InputPreparer();
  const prepared = inputs.map((input) => {
    const ready = preparer.prepare(input);
    if (ready === NEEDS_REFERENCE) throw new Error("the corpus has an input only jq-wasm can take");
    return ready;
  });
  const report: Report = {
    expressions: expressions.length,
    compiled: 0,
    fallback: [],
    compileErrors: 0,
    pairs: 0,
    textChecked: 0,
    deferred: 0,
    deferReasons: {},
    mismatches: [],
  };
  for (const source of expressions) {
    const result = compileJq(source, { now: () => NOW });
    if (/\binputs?\b|\bhalt/.test(source)) {
      // These read the next input or stop jq: they cannot be batched, and they are never compiled.
      if (result.kind === "ok") report.mismatches.push(`${source}: compiled, but reads other inputs or halts`);
      else report.fallback.push({ source, reason: result.kind === "error" ? result.message : result.reason });
      continue;
    }
    const reference = await runReference(runtime, `def now: ${NOW}; ${source}`, inputs);
    if (reference[0]?.kind === "compile-error") {
      report.compileErrors++;
      // What jq refuses, the compiled engine must not compile (it may leave it to jq-wasm).
      if (result.kind === "ok") report.mismatches.push(`${source}: compiled, but jq refuses it at compile time`);
      continue;
    }
    if (result.kind === "error") {
      report.mismatches.push(`${source}: the compiled engine refuses it (${result.message}), jq compiles it`);
      continue;
    }
    if (result.kind === "unsupported") {
      report.fallback.push({ source, reason: result.reason });
      continue;
    }
    report.compiled++;
    inputs.forEach((input, i) => {
      const expected = reference[i];
      const actual = result.program.runRaw(prepared[i] ?? null);
      const where = `${source}  on  ${JSON.stringify(input)?.slice(0, 80)}`;
      if (expected === undefined) return;
      report.pairs++;
      if (actual.kind === "defer") {
        report.deferred++;
        report.deferReasons[actual.reason] = (report.deferReasons[actual.reason] ?? 0) + 1;
        return;
      }
      if (expected.kind === "value" && actual.kind === "value") {
        const final = result.program.run(prepared[i] ?? null);
        const value = final.kind === "value" ? final.value : undefined;
        if (value === undefined || !jsonEqual(value, JSON.parse(expected.text) as Json)) {
          report.mismatches.push(`${where}: value ${JSON.stringify(value)} != ${expected.text}`);
          return;
        }
        let text: string | null = null;
        try {
          text = dump(actual.value);
        } catch (error) {
          if (!(error instanceof DeferToReference)) throw error;
        }
        if (text !== null) {
          report.textChecked++;
          if (text !== expected.text) report.mismatches.push(`${where}: text ${text} != ${expected.text}`);
        }
        return;
      }
      if (expected.kind === "error" && actual.kind === "error") {
        if (actual.message !== expected.message)
          report.mismatches.push(
            `${where}: error ${JSON.stringify(actual.message)} != ${JSON.stringify(expected.message)}`,
          );
        return;
      }
      if (expected.kind !== actual.kind) {
        report.mismatches.push(`${where}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
      }
    });
  }
  reports[name] = report;
  // The mismatches are asserted empty by each caller: a failure lists them.
  return report;
}

describe("the batched reference", () => {
  it("reports what the jq-wasm engine reports, one call per pair", async () => {
    const engine = new JqWasmEngine();
    try {
      const sources = [
        ".a",
        ".id | tostring",
        'error("x")',
        "error({a: 1})",
        'error(" padded ")',
        "empty",
        ".[0]",
        "keys",
        "error(null)",
      ];
      for (const source of sources) {
        const batched = await runReference(runtime, source, corpus);
        const compiled = await engine.compile(source);
        if (compiled.kind !== "ok") throw new Error(compiled.message);
        for (const [i, input] of corpus.entries()) {
          const expected = await compiled.program.first(input);
          const got = batched[i];
          const asOutcome =
            got?.kind === "value"
              ? { kind: "value", value: JSON.parse(got.text) as Json }
              : got?.kind === "error"
                ? { kind: "error", message: got.message }
                : got;
          expect(asOutcome, `${source} on ${JSON.stringify(input)}`).toEqual(expected);
        }
      }
    } finally {
      await engine.close();
    }
  });
});

describe("compiled engine against jq-wasm", () => {
  it("serves every leaf of the seed's and the default mapping compiled, with jq's exact results", async () => {
    const leaves = [...mappingLeaves(seedText("port-app-config.yaml")), ...mappingLeaves(DEFAULT_MAPPING_YAML)];
    const report = await differential("mappings", leaves);
    expect(report.mismatches).toEqual([]);
    expect(report.fallback).toEqual([]);
    expect(report.compiled).toBeGreaterThan(40);
  });

  it("agrees on the mappings' leaves over payloads with fields dropped, nulled or of the wrong kind", async () => {
    const leaves = [...mappingLeaves(seedText("port-app-config.yaml")), ...mappingLeaves(DEFAULT_MAPPING_YAML)];
    const variants = (["project", "repository", "pull-request", "user"] as const).flatMap((kind, i) =>
      payloadVariants(seedPayload(kind), 40, 7 + i),
    );
    const report = await differential("payload variants", leaves, variants);
    expect(report.mismatches).toEqual([]);
    expect(report.pairs - report.deferred).toBeGreaterThan(leaves.length * 150);
  });

  it("agrees on the jq manual's examples for each supported construct", async () => {
    const report = await differential("manual", MANUAL_EXAMPLES);
    expect(report.mismatches).toEqual([]);
    expect(report.compiled).toBeGreaterThan(MANUAL_EXAMPLES.length * 0.85);
  });

  it("agrees on dates across centuries, leap days and negative instants", async () => {
    // A deterministic spread of instants: every edge below, and a pseudo-random walk from 1901 to 2099.
    const instants: Json[] = [
      0, -1, 1, -86400, 951782400, 951868800, 946684799, 946684800, 4102444799, -2208988800, 1709164800, 1747730324.792,
      -1.5, 59.999,
    ];
    let seed = 12345;
    for (let i = 0; i < 160; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      instants.push(-2177452800 + (seed / 2147483648) * 6311433600);
    }
    const dates = instants.map((t) => [
      t,
      new Date(Math.trunc(t as number) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    ]);
    const report = await differential(
      "dates",
      [
        ".[0] | gmtime",
        ".[0] | todate",
        ".[0] | gmtime | mktime",
        ".[0] | gmtime | todate",
        ".[1] | fromdate",
        '.[1] | strptime("%Y-%m-%dT%H:%M:%SZ")',
        '.[0] | strftime("%Y %m %d %e %H %M %S %j %y %a %A %b %B %h %p %I %u %w %D %F %T %R %%")',
        ".[1] | fromdate == (.[0] | floor)",
        ".[0] | floor | todate == .[1]",
        '.[1] | strptime("%Y-%m-%dT%H:%M:%SZ") | mktime',
        ".[0] | gmtime | .[6:]",
      ],
      dates,
    );
    expect(report.mismatches).toEqual([]);
    expect(report.pairs - report.deferred).toBeGreaterThan(1500);
  });

  it("agrees on random values of every kind for the constructs that take any input", async () => {
    const report = await differential("random inputs", RANDOM_INPUT_EXPRESSIONS, randomInputs(150, 20261125));
    expect(report.mismatches).toEqual([]);
    expect(report.pairs - report.deferred).toBeGreaterThan(RANDOM_INPUT_EXPRESSIONS.length * 100);
  });

  it("agrees on expressions written for jq's corner cases", async () => {
    const report = await differential("corner cases", CORNER_CASES);
    expect(report.mismatches).toEqual([]);
    if (printReport) console.log(report.fallback.map((f) => `jq-wasm: ${f.source}  (${f.reason})`).join("\n"));
  });
});
