import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadedMapping, loadMappingText, mappersOfKind } from "../../../relay/config/mapping-loader";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { SEED_EXPECTED_ENTITIES } from "./seed-expected";
import { seedPayload, seedText } from "./seed-files";

/**
 * The seed's mapping, verbatim, on the seed's payloads. The expected entities were computed once with the jq
 * binary (/usr/bin/jq 1.6) from the payloads, field by field, and written here; they are what Port receives.
 */
const NULL_FIELDS = {
  project: ["properties.description"],
  repository: ["properties.description"],
  "pull-request": ["properties.mergedAt"],
  user: [],
};

const KINDS = ["project", "repository", "pull-request", "user"] as const;

describe.each([
  { strategy: "fused", fuseEngines: ["jq-wasm"] },
  { strategy: "per-leaf", fuseEngines: [] },
])("the seed's mapping on the seed's payloads ($strategy)", ({ strategy, fuseEngines }) => {
  const engine = new JqWasmEngine();
  let mapping: LoadedMapping;

  beforeAll(async () => {
    mapping = await loadMappingText(seedText("port-app-config.yaml"), "the seed", {
      engine,
      mapperOptions: { fuseEngines },
    });
  });
  afterAll(() => engine.close());

  it.each(KINDS)("maps the %s payload to exactly what jq computes", async (kind) => {
    const [mapper] = mappersOfKind(mapping, kind);

    const result = await mapper?.mapItem(seedPayload(kind));

    expect(mapper?.strategy).toBe(strategy);
    expect(result?.entities).toEqual([SEED_EXPECTED_ENTITIES[kind]]);
    // Key order too: Port's field order, then the mapping's own order of properties.
    expect(JSON.stringify(result?.entities[0])).toBe(JSON.stringify(SEED_EXPECTED_ENTITIES[kind]));
    expect(result?.warnings).toEqual([]);
    expect(result?.errors).toEqual([]);
    expect(result?.nullFields).toEqual(NULL_FIELDS[kind]);
    expect(result?.counts).toEqual({
      items: 1,
      considered: 1,
      selected: 1,
      rejected: 0,
      entities: 1,
      dropped: 0,
      fieldErrors: 0,
      errors: 0,
    });
  });

  it("gives a PR's dates in UTC from epoch milliseconds, and mergedAt from closedDate when present", async () => {
    const [mapper] = mappersOfKind(mapping, "pull-request");
    const merged = {
      ...(seedPayload("pull-request") as object),
      state: "MERGED",
      closedDate: 1747744649000,
      updatedDate: 1747744649000,
    };

    const result = await mapper?.mapItem(merged);

    expect(result?.entities[0]?.properties).toMatchObject({
      created_on: "2025-05-20T08:38:44Z",
      updated_on: "2025-05-20T12:37:29Z",
      mergedAt: "2025-05-20T12:37:29Z",
      state: "MERGED",
    });
  });
});
