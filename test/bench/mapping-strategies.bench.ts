// How the mapper's strategy and jq-wasm's stdin fix change the cost of mapping with the jq-wasm engine:
// per-leaf (one jq call per field) vs fused (one call per item), with the package's own glue and with the
// patched one (jq-wasm-module.ts), on the seed's and the default PR mapping. Prints figures; asserts nothing.
// Usage: node scripts/bench.mjs mapping-strategies   (BENCH_ARGS="<items>" to change the item count, default 200)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { DEFAULT_MAPPING_YAML } from "../../relay/config/default-mapping";
import { loadMappingText, mappersOfKind } from "../../relay/config/mapping-loader";
import type { Json } from "../../relay/mapping/engine";
import { JqWasmEngine } from "../../relay/mapping/jq-wasm-engine";
import type { JqModuleFactory } from "../../relay/mapping/jq-wasm-module";
import { loadJqModuleFactory } from "../../relay/mapping/jq-wasm-module";
import { seedDir as seedDirectory } from "../support/seed-dir";

const items = Number(process.argv[2] ?? 200);
const seedDir = pathToFileURL(`${seedDirectory()}/`);
const pr: Record<string, Json> = JSON.parse(readFileSync(new URL("payload-pull-request.json", seedDir), "utf8"));
const mappings = {
  seed: readFileSync(new URL("port-app-config.yaml", seedDir), "utf8"),
  default: DEFAULT_MAPPING_YAML,
};
const inputs: Json[] = Array.from({ length: items }, (_, index) => ({
  ...pr,
  id: index + 1,
  updatedDate: 1747730324792 + index,
}));

const require = createRequire(import.meta.url);
const unpatchedModule: unknown = require("jq-wasm/dist/build/jq.js");
const unpatched: JqModuleFactory = async () => {
  if (typeof unpatchedModule !== "function") throw new Error("unexpected jq-wasm export");
  const instance: { raw(input: string, filter: string, flags: string[]): Promise<string> } = await unpatchedModule();
  return { raw: (input, filter, flags) => instance.raw(input, filter, flags) };
};
const patched = loadJqModuleFactory();

console.log(
  `mapping ${items} pull requests of ${JSON.stringify(pr).length} bytes each; jq-wasm stdin fix applied: ${patched.patched}`,
);
console.log("mapping  glue       strategy  jq calls/item  ms/item  items/s");
for (const [name, yaml] of Object.entries(mappings)) {
  for (const [glue, factory] of [
    ["package", unpatched],
    ["patched", patched.factory],
  ] as const) {
    for (const fuseEngines of [[], ["jq-wasm"]]) {
      const engine = new JqWasmEngine({ createInstance: factory });
      const [mapper] = mappersOfKind(
        await loadMappingText(yaml, name, { engine, mapperOptions: { fuseEngines } }),
        "pull-request",
      );
      if (mapper === undefined) throw new Error("no pull-request resource");
      const count = glue === "package" && fuseEngines.length === 0 ? Math.min(items, 50) : items;
      const started = performance.now();
      let entities = 0;
      for (const input of inputs.slice(0, count)) entities += (await mapper.mapItem(input)).counts.entities;
      const ms = (performance.now() - started) / count;
      await engine.close();
      if (entities !== count) throw new Error(`expected ${count} entities, got ${entities}`);
      const calls = mapper.strategy === "fused" ? 1 : mapper.fields.length + 1;
      console.log(
        `${name.padEnd(8)} ${glue.padEnd(10)} ${mapper.strategy.padEnd(9)} ${String(calls).padStart(13)}  ${ms.toFixed(2).padStart(7)}  ${(1000 / ms).toFixed(0).padStart(7)}`,
      );
    }
  }
}
