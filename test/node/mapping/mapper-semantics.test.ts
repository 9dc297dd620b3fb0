import { afterAll, describe, expect, it } from "vitest";
import { loadMappingText } from "../../../relay/config/mapping-loader";
import { HybridJqEngine } from "../../../relay/mapping/compiled";
import type { Json } from "../../../relay/mapping/engine";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";
import { addCounts, emptyCounts } from "../../../relay/mapping/mapping-result";
import type { ResourceMapper } from "../../../relay/mapping/resource-mapper";
import { CountingEngine } from "./counting-engine";

/** Port's mapping semantics (port-api.md §6.3–6.5), each checked with the fused and the per-leaf strategy. */

const engine = new JqWasmEngine();
afterAll(() => engine.close());

function resource(body: string, kind = "repository"): string {
  return `resources:\n  - kind: ${kind}\n${body.replace(/^/gm, "    ")}\n`;
}

describe.each([
  { strategy: "fused", fuseEngines: ["jq-wasm"] },
  { strategy: "per-leaf", fuseEngines: [] },
])("the mapper ($strategy)", ({ strategy, fuseEngines }) => {
  async function mapperOf(yaml: string): Promise<ResourceMapper> {
    const mapping = await loadMappingText(yaml, "a test mapping", { engine, mapperOptions: { fuseEngines } });
    const [mapper] = mapping.mappers;
    if (mapper === undefined) throw new Error("no mapper");
    expect(mapper.strategy).toBe(strategy);
    return mapper;
  }

  const fields = (properties: string, extra = "") =>
    resource(`selector:
  query: "true"
port:
  entity:
    mappings:
      identifier: .id | tostring
      blueprint: '"service"'
${extra}      properties:
${properties.replace(/^/gm, "        ")}`);

  it("uses only a field's first output, and null when it has none", async () => {
    const mapper = await mapperOf(
      fields(`first: .list[]\nnone: .list[] | select(. > 10)\nthenError: 1, error("late")`),
    );

    const result = await mapper.mapItem({ id: 1, list: [5, 6, 7] });

    expect(result.entities[0]?.properties).toEqual({ first: 5, none: null, thenError: 1 });
    expect(result.warnings).toEqual([]);
    expect(result.nullFields).toEqual(["properties.none"]);
  });

  it("turns a jq error in a field into null and a counted warning naming the field's path", async () => {
    const mapper = await mapperOf(fields(`broken: .name | ascii_downcase\nfine: .id`));

    const result = await mapper.mapItem({ id: 2, name: 42 });

    expect(result.entities).toEqual([
      { blueprint: "service", identifier: "2", properties: { broken: null, fine: 2 }, relations: {} },
    ]);
    expect(result.warnings).toEqual([
      {
        code: "field-error",
        path: "resources[0].port.entity.mappings.properties.broken",
        message: "jq error, so the field is null: explode input must be a string (expression: .name | ascii_downcase)",
      },
    ]);
    expect(result.counts).toMatchObject({ selected: 1, entities: 1, fieldErrors: 1, errors: 0 });
  });

  it("keeps explicit nulls in properties and relations, and leaves out fields the mapping does not define", async () => {
    const mapper = await mapperOf(
      resource(`port:
  entity:
    mappings:
      identifier: .id
      blueprint: '"service"'
      team: .team
      properties:
        missing: .nothing.here
      relations:
        owner: .owner`),
    );

    const [entity] = (await mapper.mapItem({ id: "svc" })).entities;

    expect(entity).toEqual({
      blueprint: "service",
      identifier: "svc",
      team: null,
      properties: { missing: null },
      relations: { owner: null },
    });
    expect(entity).not.toHaveProperty("title");
    expect(entity).not.toHaveProperty("icon");
  });

  it("maps only items whose selector gives true, and does not evaluate the fields of the others", async () => {
    const mapper = await mapperOf(
      resource(`selector:
  query: .keep
port:
  entity:
    mappings:
      identifier: .id
      blueprint: '"service"'
      properties:
        explodes: error("evaluated")`),
    );

    const kept = await mapper.mapItem({ id: "a", keep: true });
    const skipped = await mapper.mapItem({ id: "b", keep: false });

    expect(kept.counts).toMatchObject({ selected: 1, rejected: 0, entities: 1, fieldErrors: 1 });
    expect(skipped).toEqual({
      entities: [],
      rejected: [],
      warnings: [],
      errors: [],
      nullFields: [],
      counts: { ...emptyCounts(), items: 1, considered: 1, rejected: 1 },
    });
  });

  it.each([
    [{ keep: "yes" }, "selector-not-boolean", 'must give true or false, gave a string "yes"'],
    [{ keep: null }, "selector-not-boolean", "must give true or false, gave null"],
    [{ keep: { nested: true } }, "selector-error", "jq error: explode input must be a string"],
  ])("reports a selector that is not a boolean or fails as an error for the kind: %j", async (item, code, message) => {
    const mapper = await mapperOf(
      resource(`selector:
  query: if (.keep | type) == "object" then .keep.nested | ascii_downcase else .keep end
port:
  entity:
    mappings:
      identifier: .id
      blueprint: '"service"'`),
    );

    const result = await mapper.mapItem({ id: "a", ...item });

    expect(result.entities).toEqual([]);
    expect(result.errors).toEqual([{ code, path: "resources[0].selector.query", message }]);
    expect(result.counts).toMatchObject({ errors: 1, selected: 0, rejected: 0 });
  });

  it("reports a selector with no output as an error", async () => {
    const mapper = await mapperOf(
      resource(
        `selector:\n  query: empty\nport:\n  entity:\n    mappings:\n      identifier: .id\n      blueprint: '"service"'`,
      ),
    );

    const result = await mapper.mapItem({ id: "a" });

    expect(result.errors).toEqual([
      {
        code: "selector-not-boolean",
        path: "resources[0].selector.query",
        message: "must give true or false, gave no output",
      },
    ]);
  });

  it.each([
    [{ id: null }, "identifier", "is null, so the entity is skipped (as in Port)"],
    [{ id: "" }, "identifier", "is empty, so the entity is skipped (as in Port)"],
    [{ id: 12 }, "identifier", "must be a string, got a number 12, so the entity is skipped (use tostring in jq)"],
    [{ id: "two words" }, "identifier", '"two words" is not an identifier Port accepts'],
    [{ id: "x", bp: null }, "blueprint", "is null, so the entity is skipped (as in Port)"],
    [{ id: "x", bp: "has space" }, "blueprint", '"has space" is not a blueprint identifier Port accepts'],
  ])("drops an entity whose identifier or blueprint is unusable, with a warning: %j", async (item, field, message) => {
    const mapper = await mapperOf(
      resource(`port:
  entity:
    mappings:
      identifier: .id
      blueprint: if has("bp") then .bp else "service" end`),
    );

    const result = await mapper.mapItem(item);

    expect(result.entities).toEqual([]);
    expect(result.warnings).toEqual([
      {
        code: "entity-dropped",
        path: `resources[0].port.entity.mappings.${field}`,
        message: expect.stringContaining(message),
      },
    ]);
    expect(result.counts).toMatchObject({ selected: 1, dropped: 1, entities: 0, errors: 0 });
  });

  it("evaluates search queries leaf by leaf, for the identifier and for relations", async () => {
    const mapper = await mapperOf(
      resource(`port:
  entity:
    mappings:
      identifier:
        combinator: '"and"'
        rules:
          - property: '"$identifier"'
            operator: '"="'
            value: .id | tostring
      blueprint: '"service"'
      relations:
        owner:
          combinator: '"or"'
          rules:
            - property: '"email"'
              operator: '"="'
              value: .author.email
            - combinator: '"and"'
              rules:
                - property: '"name"'
                  operator: '"in"'
                  value: .author.names
                - property: '"broken"'
                  operator: '"="'
                  value: .author.email | ascii_downcase`),
    );

    const result = await mapper.mapItem({ id: 9, author: { email: null, names: ["a", "b"] } });

    expect(result.entities).toEqual([
      {
        blueprint: "service",
        identifier: { combinator: "and", rules: [{ property: "$identifier", operator: "=", value: "9" }] },
        properties: {},
        relations: {
          owner: {
            combinator: "or",
            rules: [
              { property: "email", operator: "=", value: null },
              {
                combinator: "and",
                rules: [
                  { property: "name", operator: "in", value: ["a", "b"] },
                  { property: "broken", operator: "=", value: null },
                ],
              },
            ],
          },
        },
      },
    ]);
    expect(result.warnings.map((warning) => warning.path)).toEqual([
      "resources[0].port.entity.mappings.relations.owner.rules[1].rules[1].value",
    ]);
    expect(result.nullFields).toEqual(["relations.owner.rules[0].value", "relations.owner.rules[1].rules[1].value"]);
  });

  it("rewrites single-quoted jq strings as Port does", async () => {
    const mapper = await mapperOf(
      resource(
        `port:\n  entity:\n    mappings:\n      identifier: "'fixed'"\n      blueprint: "'service'"\n      title: ("'" + .name + "'")`,
      ),
    );

    const [entity] = (await mapper.mapItem({ name: "n" })).entities;

    expect(entity).toMatchObject({ identifier: "fixed", blueprint: "service", title: "'n'" });
  });

  it("expands itemsToParse into one element per entry, without the array in the parent", async () => {
    const mapper = await mapperOf(
      resource(`selector:
  query: .item.keep
port:
  itemsToParse: .values
  entity:
    mappings:
      identifier: .item.id
      blueprint: '"service"'
      properties:
        parent: .name
        parentStillHasValues: has("values")`),
    );

    const result = await mapper.mapItem({
      name: "p",
      values: [
        { id: "a", keep: true },
        { id: "b", keep: false },
        { id: "c", keep: true },
      ],
    });

    expect(result.entities.map((entity) => [entity.identifier, entity.properties])).toEqual([
      ["a", { parent: "p", parentStillHasValues: false }],
      ["c", { parent: "p", parentStillHasValues: false }],
    ]);
    expect(result.counts).toMatchObject({ items: 1, considered: 3, selected: 2, rejected: 1, entities: 2 });
  });

  it("names the element and keeps the parent whole when asked to", async () => {
    const mapper = await mapperOf(
      resource(`port:
  itemsToParse: .values | map(. * 2)
  itemsToParseName: entry
  itemsToParseTopLevelTransform: false
  entity:
    mappings:
      identifier: .entry | tostring
      blueprint: '"service"'
      properties:
        count: .values | length`),
    );

    const result = await mapper.mapItem({ values: [1, 2] });

    expect(result.entities.map((entity) => [entity.identifier, entity.properties.count])).toEqual([
      ["2", 2],
      ["4", 2],
    ]);
  });

  it.each([
    [{ values: null }, { warnings: 1, errors: 0, code: "items-to-parse-empty" }],
    [{ values: "text" }, { warnings: 0, errors: 1, code: "items-to-parse-not-array" }],
    [
      { values: { a: 1 }, fail: true },
      { warnings: 0, errors: 1, code: "items-to-parse-error" },
    ],
  ])("handles an itemsToParse that gives no list: %j", async (item, expected) => {
    const mapper = await mapperOf(
      resource(
        `port:\n  itemsToParse: if .fail then error("no list") else .values end\n  entity:\n    mappings:\n      identifier: .item\n      blueprint: '"service"'`,
      ),
    );

    const result = await mapper.mapItem(item);

    expect(result.entities).toEqual([]);
    expect(result.warnings.length).toBe(expected.warnings);
    expect(result.errors.length).toBe(expected.errors);
    expect([...result.warnings, ...result.errors][0]).toMatchObject({
      code: expected.code,
      path: "resources[0].port.itemsToParse",
    });
  });

  it("warns about a relation target Port would refuse, without dropping the entity", async () => {
    const mapper = await mapperOf(
      resource(
        `port:\n  entity:\n    mappings:\n      identifier: .id\n      blueprint: '"service"'\n      relations:\n        members: .members`,
      ),
    );

    const result = await mapper.mapItem({ id: "svc", members: ["ok", "not ok"] });

    expect(result.entities).toHaveLength(1);
    expect(result.warnings).toEqual([
      {
        code: "relation-target-invalid",
        path: "resources[0].port.entity.mappings.relations.members",
        message: expect.stringContaining('"not ok"'),
      },
    ]);
  });
});

describe("the mapper's engine use", () => {
  const yaml = resource(
    `port:\n  entity:\n    mappings:\n      identifier: .id\n      title: .name\n      blueprint: '"service"'\n      properties:\n        a: .a\n        b: .b`,
  );

  it("makes one jq call per item when the engine pays per call, and one per leaf otherwise", async () => {
    const wasm = new CountingEngine(engine);
    const compiled = new CountingEngine(engine, "compiled");
    const [fused] = (await loadMappingText(yaml, "t", { engine: wasm })).mappers;
    const [perLeaf] = (await loadMappingText(yaml, "t", { engine: compiled })).mappers;
    wasm.calls = 0;
    compiled.calls = 0;

    const results = [
      await fused?.mapItem({ id: "x", name: "X", a: 1 }),
      await perLeaf?.mapItem({ id: "x", name: "X", a: 1 }),
    ];

    expect([fused?.strategy, perLeaf?.strategy]).toEqual(["fused", "per-leaf"]);
    expect(results[0]).toEqual(results[1]);
    expect(wasm.calls).toBe(1);
    // selector + identifier, title, blueprint, a, b
    expect(compiled.calls).toBe(6);
  });

  it("fuses only the leaves jq-wasm serves, and runs the compiled ones on their own", async () => {
    const hybrid = new CountingEngine(new HybridJqEngine({ reference: engine, shadowRuns: 0, shadowEvery: 0 }));
    const mixed = resource(
      `port:\n  entity:\n    mappings:\n      identifier: .id\n      title: .name\n      blueprint: '"service"'\n      properties:\n        a: .a\n        tags: .tags | @csv\n        words: '[.name | splits(" ")]'\n        b: .b`,
    );
    const [partial] = (await loadMappingText(mixed, "t", { engine: hybrid })).mappers;
    const [reference] = (await loadMappingText(mixed, "t", { engine, mapperOptions: { fuseEngines: [] } })).mappers;
    const item = { id: "x", name: "X Y", a: 1, tags: ["p", "q"], b: { c: 2 } };
    hybrid.resetCounts();

    const result = await partial?.mapItem(item);

    expect(partial?.strategy).toBe("fused");
    expect(result).toEqual(await reference?.mapItem(item));
    expect(result?.entities[0]?.properties).toEqual({ a: 1, tags: '"p","q"', words: ["X", "Y"], b: { c: 2 } });
    // One fused call for tags and words; selector, identifier, title, blueprint, a and b compiled.
    expect(Object.fromEntries(hybrid.callsByEngine)).toEqual({ "jq-wasm": 1, compiled: 6 });
    const sparse = { id: "y", name: 7 };
    const errors = await partial?.mapItem(sparse);
    expect(errors).toEqual(await reference?.mapItem(sparse));
    expect(errors?.warnings.map((warning) => warning.path)).toEqual([
      "resources[0].port.entity.mappings.properties.tags",
      "resources[0].port.entity.mappings.properties.words",
    ]);
  });

  it("leaves a single jq-wasm leaf on its own: one call either way", async () => {
    const hybrid = new CountingEngine(new HybridJqEngine({ reference: engine, shadowRuns: 0, shadowEvery: 0 }));
    const [mapper] = (
      await loadMappingText(
        resource(
          `port:\n  entity:\n    mappings:\n      identifier: .id\n      blueprint: '"service"'\n      properties:\n        tags: .tags | @csv`,
        ),
        "t",
        { engine: hybrid },
      )
    ).mappers;
    hybrid.resetCounts();

    const result = await mapper?.mapItem({ id: "x", tags: ["p"] });

    expect(mapper?.strategy).toBe("per-leaf");
    expect(result?.entities[0]?.properties).toEqual({ tags: '"p"' });
    expect(Object.fromEntries(hybrid.callsByEngine)).toEqual({ "jq-wasm": 1, compiled: 3 });
  });

  it("does not fuse leaves whose builtins reach beyond their own value", async () => {
    const counting = new CountingEngine(engine);
    const [mapper] = (
      await loadMappingText(
        resource(
          `port:\n  entity:\n    mappings:\n      identifier: .id\n      blueprint: '"service"'\n      properties:\n        line: $__loc__.line`,
        ),
        "t",
        { engine: counting },
      )
    ).mappers;

    const result = await mapper?.mapItem({ id: "x" });

    expect(mapper?.strategy).toBe("per-leaf");
    expect(result?.entities[0]?.properties).toEqual({ line: 2 });
  });

  it("sums item counts into a per-kind summary", async () => {
    const [mapper] = (
      await loadMappingText(
        resource(
          `selector:\n  query: .id != "skip"\nport:\n  entity:\n    mappings:\n      identifier: .id\n      blueprint: '"service"'\n      properties:\n        n: .n + 1`,
        ),
        "t",
        { engine },
      )
    ).mappers;
    const total = emptyCounts();

    const items: Json[] = [{ id: "a", n: 1 }, { id: "skip" }, { id: null }, { id: "b", n: "text" }];
    for (const item of items) {
      const result = await mapper?.mapItem(item);
      if (result) addCounts(total, result.counts);
    }

    expect(total).toEqual({
      items: 4,
      considered: 4,
      selected: 3,
      rejected: 1,
      entities: 2,
      dropped: 1,
      fieldErrors: 1,
      errors: 0,
    });
  });
});
