// bench:map — entities per second for a pull-request mapping, every leaf of the mapping evaluated per entity as a
// mapper does (identifier, title, blueprint, each property, each relation), on the seed's mapping and on the
// default mapping, with: the compiled engine alone (leaves run synchronously), the compiled engine through the
// real mapper (HybridJqEngine, shadow runs included), jq-wasm through the mapper (fused: one call per item, its
// fastest), the same mapping with two extra leaves only jq-wasm serves (partly fused: those two in one jq-wasm
// call per item, the rest compiled), and the jq 1.6 binary streaming NDJSON when /usr/bin/jq exists. Prints
// figures and ratios with peak memory; asserts nothing. Target: 50,000 entities/s per core for the compiled engine
// (all of this runs on one core).
// Usage: node scripts/bench.mjs map   (BENCH_ARGS="<items> <jq-wasm items>", default 50000 and 400)
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parse, stringify } from "yaml";
import { DEFAULT_MAPPING_YAML } from "../../relay/config/default-mapping";
import { loadMappingText, mappersOfKind } from "../../relay/config/mapping-loader";
import { type CompiledProgram, compileJq, HybridJqEngine, InputPreparer } from "../../relay/mapping/compiled";
import type { Json } from "../../relay/mapping/engine";
import { JqWasmEngine } from "../../relay/mapping/jq-wasm-engine";
import { seedDir as seedDirectory } from "../support/seed-dir";

const items = Number(process.argv[2] ?? 50_000);
const wasmItems = Number(process.argv[3] ?? 400);
const seedDir = pathToFileURL(`${seedDirectory()}/`);
const pr = JSON.parse(readFileSync(new URL("payload-pull-request.json", seedDir), "utf8")) as Record<string, Json>;
const mappings: Record<string, string> = {
  seed: readFileSync(new URL("port-app-config.yaml", seedDir), "utf8"),
  default: DEFAULT_MAPPING_YAML,
};

/** Distinct items (a mapper sees a new object per item, so no per-object cache flatters the figures). */
function makeInputs(n: number): Json[] {
  return Array.from({ length: n }, (_, i) => ({
    ...pr,
    id: i + 1,
    title: `Change ${i}: ${i % 7 === 0 ? "Fix the build" : "Add a feature"}`,
    updatedDate: 1747730324792 + i * 1000,
    state: i % 3 === 0 ? "MERGED" : "OPEN",
    closedDate: i % 3 === 0 ? 1747730999000 + i : null,
  }));
}

/** Two leaves only jq-wasm serves, as a user's mapping may have: the rest of the mapping stays compiled. */
const JQ_WASM_LEAVES = { titleWords: '[.title | splits(" ")]', branchQuoted: ".fromRef.displayId | @sh" };

/** The mapping with {@link JQ_WASM_LEAVES} added to the pull-request resource's properties. */
function withJqWasmLeaves(yaml: string): string {
  const doc = parse(yaml) as {
    resources: { kind: string; port: { entity: { mappings: { properties?: Record<string, string> } } } }[];
  };
  const resource = doc.resources.find((entry) => entry.kind === "pull-request");
  if (resource === undefined) throw new Error("no pull-request resource");
  resource.port.entity.mappings.properties = { ...resource.port.entity.mappings.properties, ...JQ_WASM_LEAVES };
  return stringify(doc);
}

/** The selector and every leaf of the pull-request resource, in mapping order. */
function prLeaves(yaml: string): string[] {
  const doc = parse(yaml) as {
    resources: { kind: string; selector?: { query?: string }; port: { entity: { mappings: unknown } } }[];
  };
  const resource = doc.resources.find((r) => r.kind === "pull-request");
  if (resource === undefined) throw new Error("no pull-request resource");
  const leaves: string[] = [resource.selector?.query ?? "true"];
  const walk = (node: unknown): void => {
    if (typeof node === "string") leaves.push(node);
    else if (typeof node === "object" && node !== null) for (const v of Object.values(node)) walk(v);
  };
  walk(resource.port.entity.mappings);
  return leaves;
}

interface Figure {
  label: string;
  entities: number;
  seconds: number;
  peakRssMb: number;
  heapMb: number;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect !== undefined) collect();
}

async function measure(label: string, n: number, run: (sample: () => void) => Promise<void> | void): Promise<Figure> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = heapBefore;
  const sample = (): void => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const started = performance.now();
  await run(sample);
  const seconds = (performance.now() - started) / 1000;
  sample();
  return { label, entities: n, seconds, peakRssMb: peakRss / 2 ** 20, heapMb: (peakHeap - heapBefore) / 2 ** 20 };
}

function line(f: Figure, base: Figure | null): string {
  const rate = f.entities / f.seconds;
  const ratio = base === null ? "" : `  x${(rate / (base.entities / base.seconds)).toFixed(1)} vs jq-wasm`;
  return `  ${f.label.padEnd(34)} ${String(f.entities).padStart(7)} entities  ${rate.toFixed(0).padStart(9)} entities/s  peak RSS ${f.peakRssMb.toFixed(0)} MB, heap +${f.heapMb.toFixed(0)} MB${ratio}`;
}

function compiledLeaves(leaves: string[]): CompiledProgram[] {
  return leaves.map((leaf) => {
    const result = compileJq(leaf);
    if (result.kind !== "ok") {
      const reason = result.kind === "error" ? result.message : result.reason;
      throw new Error(`leaf served by jq-wasm, not compiled: ${leaf} (${reason})`);
    }
    return result.program;
  });
}

async function viaMapper(
  label: string,
  yaml: string,
  engine: HybridJqEngine | JqWasmEngine,
  inputs: Json[],
): Promise<Figure> {
  const [mapper] = mappersOfKind(await loadMappingText(yaml, label, { engine }), "pull-request");
  if (mapper === undefined) throw new Error("no pull-request mapper");
  for (const input of inputs.slice(0, 200)) await mapper.mapItem(input);
  return await measure(`${label} (${mapper.strategy})`, inputs.length, async (sample) => {
    let entities = 0;
    for (let i = 0; i < inputs.length; i++) {
      entities += (await mapper.mapItem(inputs[i] ?? null)).counts.entities;
      if (i % 2000 === 0) sample();
    }
    if (entities !== inputs.length) throw new Error(`${label}: ${entities} entities for ${inputs.length} items`);
  });
}

function jqBinary(leaves: string[], inputs: Json[]): Figure | null {
  if (!existsSync("/usr/bin/jq")) return null;
  mkdirSync(".tmp/bench", { recursive: true });
  const file = ".tmp/bench/map-input.ndjson";
  writeFileSync(file, inputs.map((i) => JSON.stringify(i)).join("\n"));
  // One program per item, each leaf with the per-field semantics: first output only, an error gives null.
  const program = `[${leaves.map((l) => `(try ([limit(1; (\n${l}\n))] | .[0]) catch null)`).join(",\n")}]`;
  const started = performance.now();
  const result = spawnSync("/usr/bin/jq", ["-c", program, file], { maxBuffer: 1 << 30, encoding: "utf8" });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`jq failed: ${result.stderr}`);
  const lines = result.stdout.split("\n").filter(Boolean).length;
  if (lines !== inputs.length) throw new Error(`jq printed ${lines} lines for ${inputs.length} items`);
  return {
    label: "jq 1.6 binary, NDJSON stream",
    entities: inputs.length,
    seconds,
    peakRssMb: Number.NaN,
    heapMb: Number.NaN,
  };
}

const inputs = makeInputs(items);
console.log(
  `bench:map — pull requests of ~${JSON.stringify(pr).length} bytes; ${items} items (${wasmItems} for jq-wasm); one core`,
);
for (const [name, yaml] of Object.entries(mappings)) {
  const leaves = prLeaves(yaml);
  console.log(`\n${name} mapping: ${leaves.length} jq leaves per entity (selector included)`);

  const programs = compiledLeaves(leaves);
  const preparer = new InputPreparer();
  const runAll = (input: Json): number => {
    const ready = preparer.prepare(input);
    if (typeof ready === "symbol") throw new Error("input needs jq-wasm");
    let values = 0;
    for (const p of programs) if (p.run(ready).kind === "value") values++;
    return values;
  };
  for (const input of inputs.slice(0, 5000)) runAll(input);
  const compiled = await measure("compiled engine, leaves only", inputs.length, (sample) => {
    let values = 0;
    for (let i = 0; i < inputs.length; i++) {
      values += runAll(inputs[i] ?? null);
      if (i % 5000 === 0) sample();
    }
    if (values < inputs.length) throw new Error("no values");
  });

  const wasm = new JqWasmEngine();
  const wasmFigure = await viaMapper("jq-wasm engine via mapper", yaml, wasm, inputs.slice(0, wasmItems));
  await wasm.close();

  const hybrid = new HybridJqEngine();
  const hybridFigure = await viaMapper("compiled engine via mapper", yaml, hybrid, inputs);
  const stats = hybrid.stats;
  await hybrid.close();

  // Only the two jq-wasm leaves go to jq-wasm, in one call per item; the compiled leaves run on their own.
  const mixed = new HybridJqEngine();
  const mixedFigure = await viaMapper(
    "compiled + 2 jq-wasm leaves",
    withJqWasmLeaves(yaml),
    mixed,
    inputs.slice(0, wasmItems * 4),
  );
  await mixed.close();

  const binary = jqBinary(leaves, inputs);
  console.log(line(wasmFigure, null));
  console.log(line(compiled, wasmFigure));
  console.log(line(hybridFigure, wasmFigure));
  console.log(line(mixedFigure, wasmFigure));
  if (binary !== null)
    console.log(`${line(binary, wasmFigure).replace(/peak RSS NaN MB, heap \+NaN MB/, "(separate process)    ")}`);
  const rate = compiled.entities / compiled.seconds;
  console.log(
    `  target 50,000 entities/s per core: compiled leaves ${rate >= 50_000 ? "MET" : "NOT MET"} (${(rate / 50_000).toFixed(2)}x); ` +
      `hybrid engine stats: ${JSON.stringify(stats)}`,
  );
}
