import { afterAll, describe, expect, it } from "vitest";
import { loadMappingText } from "../../../relay/config/mapping-loader";
import { HybridJqEngine } from "../../../relay/mapping/compiled";
import { envNamesRead, type JqEnv } from "../../../relay/mapping/jq-env";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import type { ResourceMapper } from "../../../relay/mapping/resource-mapper";

/** `env` and `$ENV` in a mapping hold what BBRELAY_JQ_ENV lets through, with every engine and strategy. */

const wasm = new JqWasmEngine();
const hybrid = new HybridJqEngine({ reference: wasm });
afterAll(() => wasm.close());

const MAPPING = `resources:
  - kind: repository
    selector:
      query: (env.SKIP // "") != .slug
    port:
      entity:
        mappings:
          identifier: .slug
          blueprint: '"service"'
          properties:
            team: env.TEAM
            region: $ENV.REGION
            keys: env | keys
            envField: .env
            name: .name
`;

describe.each([
  { name: "jq-wasm, fused", engine: wasm, fuseEngines: ["jq-wasm"] },
  { name: "jq-wasm, leaf by leaf", engine: wasm, fuseEngines: [] },
  { name: "the hybrid engine", engine: hybrid, fuseEngines: ["jq-wasm"] },
])("a mapping's environment ($name)", ({ engine, fuseEngines }) => {
  async function mapper(jqEnv?: JqEnv): Promise<ResourceMapper> {
    const options = { fuseEngines, ...(jqEnv === undefined ? {} : { jqEnv }) };
    const [only] = (await loadMappingText(MAPPING, "t", { engine, mapperOptions: options })).mappers;
    if (only === undefined) throw new Error("no mapper");
    return only;
  }

  it("holds the named variables only", async () => {
    const mapped = await (await mapper({ TEAM: "platform", REGION: "eu-west", SKIP: "skipped" })).mapItem({
      slug: "api",
      name: "API",
      env: "prod",
    });

    expect(mapped.entities[0]?.properties).toEqual({
      team: "platform",
      region: "eu-west",
      keys: ["REGION", "SKIP", "TEAM"],
      envField: "prod",
      name: "API",
    });
  });

  it("is empty by default, not jq-wasm's made-up Emscripten environment", async () => {
    const mapped = await (await mapper()).mapItem({ slug: "api", name: "API" });

    expect(mapped.entities[0]?.properties).toEqual({ team: null, region: null, keys: [], envField: null, name: "API" });
  });

  it("reaches the selector too", async () => {
    const mapped = await (await mapper({ SKIP: "api" })).mapItem({ slug: "api", name: "API" });

    expect(mapped.counts).toMatchObject({ selected: 0, rejected: 1 });
  });
});

it("leaves the fields that do not read the environment on the compiled engine", async () => {
  const [mapper] = (
    await loadMappingText(MAPPING, "t", { engine: hybrid, mapperOptions: { jqEnv: { TEAM: "platform" } } })
  ).mappers;

  expect(Object.fromEntries((mapper?.fields ?? []).map((field) => [field.path, field.engine]))).toEqual({
    identifier: "compiled",
    blueprint: "compiled",
    "properties.team": "jq-wasm",
    "properties.region": "jq-wasm",
    "properties.keys": "jq-wasm",
    "properties.envField": "compiled",
    "properties.name": "compiled",
  });
});

it("finds the variables a leaf reads by name, and not fields or variables of the user's own called env", () => {
  expect(envNamesRead('env.TEAM + $ENV.REGION + env["ZONE"] + $ENV [ "TEAM" ]')).toEqual(["TEAM", "REGION", "ZONE"]);
  expect(envNamesRead('.env.TEAM + .a.env.X + ($env | .Y) + .environment + "env"')).toEqual([]);
});
