import { describe, expect, it } from "vitest";
import { Blueprint } from "../../../relay/catalog/port-rules/blueprint";
import { compatibilityProblems, literalBlueprints } from "../../../relay/mapping/blueprint-compatibility";
import { parseMappingConfig } from "../../../shared/mapping-config/parse-mapping-config";
import type { MappingConfig } from "../../../shared/mapping-config/schema";

/** The mapping against blueprints in force: each field that cannot fit is named with its fix. */

const SERVICE = Blueprint.parse({
  identifier: "service",
  title: "Service",
  schema: {
    properties: {
      language: { type: "string", enum: ["go", "java"] },
      stars: { type: "number" },
      url: { type: "string", format: "url" },
    },
  },
  relations: { team: { target: "team", required: false, many: true } },
});

function resources(mappings: Record<string, unknown>, kind = "repository"): MappingConfig["resources"] {
  const parsed = parseMappingConfig({ resources: [{ kind, port: { entity: { mappings } } }] });
  if (parsed.kind !== "ok") throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.resources;
}

const base = { identifier: ".slug", blueprint: '"service"' };

describe("compatibilityProblems", () => {
  it("passes fields that exist, and jq it cannot evaluate without data", () => {
    const mapping = resources({
      ...base,
      properties: { language: ".lang", stars: "42", url: '"https://example.com"' },
      relations: { team: "[.owner]" },
    });

    expect(compatibilityProblems(mapping, new Map([["service", SERVICE]]))).toEqual([]);
  });

  it("names an unknown property and relation with the blueprint and the fix", () => {
    const mapping = resources({ ...base, properties: { size: ".size" }, relations: { owner: ".owner" } });

    expect(compatibilityProblems(mapping, new Map([["service", SERVICE]]))).toEqual([
      {
        path: "resources[0].port.entity.mappings.properties.size",
        resource: 0,
        kind: "repository",
        blueprint: "service",
        field: "properties.size",
        problem: "unknown-property",
        message: 'blueprint "service" has no property "size"',
        fix: 'add property "size" to blueprint "service", or remove it from the mapping',
      },
      expect.objectContaining({
        path: "resources[0].port.entity.mappings.relations.owner",
        problem: "unknown-relation",
        fix: 'add relation "owner" to blueprint "service", or remove it from the mapping',
      }),
    ]);
  });

  it("names literals that can never match the property's type, enum or format, or the relation's shape", () => {
    const mapping = resources({
      ...base,
      properties: { language: '"rust"', stars: '"many"', url: '"not a url"' },
      relations: { team: '"platform"' },
    });

    const problems = compatibilityProblems(mapping, new Map([["service", SERVICE]]));

    expect(problems.map((problem) => [problem.field, problem.problem])).toEqual([
      ["properties.language", "literal-mismatch"],
      ["properties.stars", "literal-mismatch"],
      ["properties.url", "literal-mismatch"],
      ["relations.team", "literal-mismatch"],
    ]);
    expect(problems[1]?.message).toBe(
      'the constant "many" can never fit blueprint "service": must be of type number (got string)',
    );
    expect(problems[0]?.message).toMatch(/"rust" must be one of \["go","java"\]/);
    expect(problems[3]?.message).toMatch(/must be an array of identifiers/);
    expect(problems[1]?.fix).toBe(
      'change the mapping\'s properties.stars to a value blueprint "service" accepts, or change the property in the blueprint',
    );
  });

  it("names a blueprint the catalog lacks, and skips blueprints computed by jq", () => {
    const mapping = [
      ...resources({ ...base, blueprint: '"missing"' }),
      ...resources({ ...base, blueprint: 'if .public then "a" else "b" end', properties: { x: ".x" } }),
    ];

    expect(literalBlueprints(mapping)).toEqual(["missing"]);
    expect(compatibilityProblems(mapping, new Map([["missing", null]]))).toEqual([
      expect.objectContaining({
        field: "blueprint",
        problem: "unknown-blueprint",
        fix: 'create blueprint "missing" (BBRELAY_BLUEPRINTS, or in Port), or change the mapping\'s blueprint',
      }),
    ]);
  });
});
