import { afterAll, describe, expect, it } from "vitest";
import { loadMappingText } from "../../../relay/config/mapping-loader";
import { JqWasmEngine } from "../../../relay/mapping/jq-wasm-engine";

/** Live events map items the selector rejects too (Ocean's parse_all): their entities must be deleted. */

const engine = new JqWasmEngine();
afterAll(() => engine.close());

const MAPPING = `resources:
  - kind: pull-request
    selector:
      query: .state == "OPEN"
    port:
      entity:
        mappings:
          identifier: .id | tostring
          blueprint: '"pr"'
          properties:
            state: .state
`;

describe.each([{ fuseEngines: ["jq-wasm"] }, { fuseEngines: [] }])(
  "rejected items (fuse: $fuseEngines)",
  ({ fuseEngines }) => {
    it("maps a rejected item into `rejected` only when asked, never into `entities`", async () => {
      const { mappers } = await loadMappingText(MAPPING, "a test mapping", { engine, mapperOptions: { fuseEngines } });
      const mapper = mappers[0];
      if (mapper === undefined) throw new Error("no mapper");
      const merged = { id: 7, state: "MERGED" };

      const plain = await mapper.mapItem(merged);
      const withRejected = await mapper.mapItem(merged, { includeRejected: true });
      const selected = await mapper.mapItem({ id: 8, state: "OPEN" }, { includeRejected: true });

      expect(plain).toMatchObject({ entities: [], rejected: [], counts: { rejected: 1, selected: 0 } });
      expect(withRejected.entities).toEqual([]);
      expect(withRejected.rejected).toEqual([
        { blueprint: "pr", identifier: "7", properties: { state: "MERGED" }, relations: {} },
      ]);
      expect(selected.rejected).toEqual([]);
      expect(selected.entities).toEqual([
        { blueprint: "pr", identifier: "8", properties: { state: "OPEN" }, relations: {} },
      ]);
    });
  },
);
