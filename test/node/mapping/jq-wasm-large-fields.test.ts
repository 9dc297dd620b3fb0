import { afterAll, describe, expect, it } from "vitest";
import { loadMappingText } from "../../../relay/config/mapping-loader";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { loadJqModuleFactory } from "../../../relay/mapping/jq-wasm-module";

/**
 * jq-wasm's glue grew its output one byte at a time, copying everything written so far for each byte: mapping a
 * 1 MB field took 113 s, and a 9.9 MB pull-request title spun the agent. The patched glue reads and writes in
 * linear time; with the default time budget (2 s) a multi-megabyte field must map to its value, not be stopped.
 */

const engine = new JqWasmEngine();
// For the 9.9 MB item, a budget that a loaded machine cannot reach: what is tested there is the result.
const patient = new JqWasmEngine({ timeoutMs: 30_000 });
afterAll(async () => {
  await engine.close();
  await patient.close();
});

const BIG = 4_000_000;

function bigText(length: number): string {
  // Not one repeated character: multi-byte UTF-8 and characters JSON escapes, so every copy path is exercised.
  const unit = 'ab"c\\dé€\n';
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

describe("jq-wasm on multi-megabyte fields", () => {
  it("applies both fixes to the glue this project ships with", () => {
    const loaded = loadJqModuleFactory();
    expect({ stdin: loaded.patched, output: loaded.outputPatched }).toEqual({ stdin: true, output: true });
  });

  it("maps a 4 MB string field to its value within the default time budget", async () => {
    const title = bigText(BIG);
    const compiled = await engine.compile(".title");
    if (compiled.kind !== "ok") throw new Error("does not compile");

    const outcome = await compiled.program.first({ title, id: 1 });

    expect(outcome.kind).toBe("value");
    expect(outcome.kind === "value" && outcome.value === title).toBe(true);
  }, 60_000);

  it("reports a jq error about a multi-megabyte value (its standard error grows linearly too)", async () => {
    const message = bigText(3_000_000);
    const compiled = await engine.compile("error(.message)");
    if (compiled.kind !== "ok") throw new Error("does not compile");

    const outcome = await compiled.program.first({ message });

    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" && outcome.message.length).toBeGreaterThan(2_000_000);
    expect(outcome.kind === "error" && "fault" in outcome).toBe(false);
  }, 60_000);

  it("maps a pull request whose title is 9.9 MB through a fused jq-wasm mapping", async () => {
    const { mappers } = await loadMappingText(
      `resources:
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
            length: .title | length
            head: .title[0:4]
`,
      "a test mapping",
      { engine: patient, mapperOptions: { fuseEngines: ["jq-wasm"] } },
    );
    const mapper = mappers[0];
    if (mapper === undefined) throw new Error("no mapper");
    const title = bigText(9_900_000);

    const result = await mapper.mapItem({ id: 3, title });

    expect(result.counts.fieldErrors).toBe(0);
    expect(result.entities.map((entity) => [entity.identifier, entity.properties])).toEqual([
      ["3", { length: 9_900_000, head: 'ab"c' }],
    ]);
    expect(result.entities[0]?.title === title).toBe(true);
  }, 60_000);
});
