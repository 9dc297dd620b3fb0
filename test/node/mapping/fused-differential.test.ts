import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { type LoadedMapping, loadMappingText, mappersOfKind } from "../../../relay/config/mapping-loader";
import { HybridJqEngine } from "../../../relay/mapping/compiled";
import type { Json } from "../../../relay/mapping/engine";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { seedPayload, seedText } from "./seed-files";
import { SplitEngine, sourceParity } from "./split-engine";

/**
 * The fused strategy (one jq call per item) must give exactly what evaluating each leaf alone gives: same
 * entities, same warnings and errors, same null fields. Checked on the seed's and the default mapping, over
 * variants of the seed's payloads with every top-level field removed or replaced by a value of another type,
 * plus the shapes that make jq fail in the mappings (string dates, null refs, personal keys, odd users).
 */

const REPLACEMENTS: Json[] = [null, "text", -1.5, {}];

function variants(base: Json, extra: Json[]): Json[] {
  if (typeof base !== "object" || base === null || Array.isArray(base)) return [base];
  const out: Json[] = [base, ...extra];
  for (const key of Object.keys(base)) {
    const { [key]: _removed, ...without } = base;
    out.push(without);
    for (const replacement of REPLACEMENTS) out.push({ ...base, [key]: replacement });
  }
  return out;
}

function with_(base: Json, changes: Record<string, Json>): Json {
  return typeof base === "object" && base !== null && !Array.isArray(base) ? { ...base, ...changes } : base;
}

const pr = seedPayload("pull-request");
const EXTRA: Record<"project" | "repository" | "pull-request" | "user", Json[]> = {
  "pull-request": [
    with_(pr, { createdDate: "1747730324792", closedDate: "2025-05-20T12:37:29Z", state: "MERGED" }),
    with_(pr, { toRef: { repository: { slug: "s", project: { key: "~alice" } } }, id: "7" }),
    with_(pr, { reviewers: [{ user: null }, { user: { slug: "b", emailAddress: 3 } }, "odd"], participants: null }),
    with_(pr, { properties: { mergeCommit: { id: 42 } }, state: "MERGED", closedDate: 1e300 }),
    with_(pr, { title: 'ünïcødé \u2028 "quoted" \\ back', description: "𝄞".repeat(50) }),
  ],
  repository: [with_(seedPayload("repository"), { __latestCommit: null, __readme: null, project: { key: "~bob" } })],
  project: [with_(seedPayload("project"), { key: "~ME", description: "d" })],
  user: [with_(seedPayload("user"), { emailAddress: null, slug: "svc-bot", links: { self: "not a list" } })],
};

describe.each([
  { name: "the seed's mapping", text: () => seedText("port-app-config.yaml") },
  { name: "the default mapping", text: () => DEFAULT_MAPPING_YAML },
])("fused and per-leaf evaluation agree on $name", ({ text }) => {
  const engine = new JqWasmEngine();
  let fused: LoadedMapping;
  let perLeaf: LoadedMapping;

  beforeAll(async () => {
    fused = await loadMappingText(text(), "t", { engine });
    perLeaf = await loadMappingText(text(), "t", { engine, mapperOptions: { fuseEngines: [] } });
  });
  afterAll(() => engine.close());

  it.each(["project", "repository", "pull-request", "user"] as const)("on variants of the %s payload", async (kind) => {
    const [fusedMapper] = mappersOfKind(fused, kind);
    const [perLeafMapper] = mappersOfKind(perLeaf, kind);
    const items = variants(seedPayload(kind), EXTRA[kind]);
    let warnings = 0;

    for (const item of items) {
      const [a, b] = [await fusedMapper?.mapItem(item), await perLeafMapper?.mapItem(item)];
      expect(a, JSON.stringify(item).slice(0, 300)).toEqual(b);
      warnings += (a?.warnings.length ?? 0) + (a?.errors.length ?? 0);
    }

    expect(fusedMapper?.strategy).toBe("fused");
    expect(perLeafMapper?.strategy).toBe("per-leaf");
    expect(items.length).toBeGreaterThan(25);
    // The variants do reach the failure paths, not only the happy one.
    expect(warnings).toBeGreaterThan(5);
  });
});

/**
 * Partial fusion: the leaves jq-wasm serves run in one call, the compiled ones alone. Half of the expressions
 * (by a stable coin toss, both ways, so the selector is on each side once) go to jq-wasm; the outcome must equal
 * jq-wasm's leaf by leaf.
 */
describe.each([
  { name: "the seed's mapping", text: () => seedText("port-app-config.yaml") },
  { name: "the default mapping", text: () => DEFAULT_MAPPING_YAML },
])("partly fused evaluation agrees with jq-wasm leaf by leaf on $name", ({ text }) => {
  const wasm = new JqWasmEngine();
  const compiled = new HybridJqEngine({ reference: wasm, shadowRuns: 0, shadowEvery: 0 });
  let reference: LoadedMapping;
  const partial: LoadedMapping[] = [];

  beforeAll(async () => {
    reference = await loadMappingText(text(), "t", { engine: wasm, mapperOptions: { fuseEngines: [] } });
    for (const parity of [0, 1]) {
      // The fused program itself always goes to jq-wasm, as the hybrid engine sends it there.
      const split = new SplitEngine(
        compiled,
        wasm,
        (source) => source.includes("__bbrelay_selected") || sourceParity(source) === parity,
      );
      partial.push(await loadMappingText(text(), "t", { engine: split }));
    }
  });
  afterAll(() => wasm.close());

  it.each(["project", "repository", "pull-request", "user"] as const)("on variants of the %s payload", async (kind) => {
    const [referenceMapper] = mappersOfKind(reference, kind);
    const items = variants(seedPayload(kind), EXTRA[kind]);
    let fusedMappers = 0;

    for (const mapping of partial) {
      const [mapper] = mappersOfKind(mapping, kind);
      const engines = new Set(mapper?.fields.map((field) => field.engine));
      if (mapper?.strategy === "fused") fusedMappers++;
      expect(engines.size, "each split mixes both engines").toBe(2);
      for (const item of items) {
        expect(await mapper?.mapItem(item), JSON.stringify(item).slice(0, 300)).toEqual(
          await referenceMapper?.mapItem(item),
        );
      }
    }

    expect(fusedMappers).toBeGreaterThan(0);
  });
});
