import { isBlueprintIdentifier, isPropertyIdentifier } from "./port-identifiers";
import type { ConfigProblem } from "./problems";
import { compileProjectFilter } from "./project-filter";
import type { MappingConfig, ResourceConfig } from "./schema";

/**
 * Checks that need more than one value's shape, run after the schema: each rule is small, named, and reports
 * every problem it finds with its path, so that a file's problems all come out in one run.
 */
export interface MappingRule {
  name: string;
  check(resource: ResourceConfig, index: number): ConfigProblem[];
}

const MAPPINGS = ["port", "entity", "mappings"] as const;

/** Property and relation names must be names Port accepts in a blueprint, or every upsert would fail. */
const portFieldNames: MappingRule = {
  name: "port-field-names",
  check(resource, index) {
    const problems: ConfigProblem[] = [];
    const { properties, relations } = resource.port.entity.mappings;
    for (const [group, names] of [
      ["properties", Object.keys(properties)],
      ["relations", Object.keys(relations)],
    ] as const) {
      for (const name of names) {
        if (!isPropertyIdentifier(name)) {
          problems.push({
            path: ["resources", index, ...MAPPINGS, group, name],
            message: "is not a name Port accepts for a blueprint field (letters, digits, @ _ = -, at most 100)",
          });
        }
      }
    }
    for (const name of Object.keys(properties)) {
      if (Object.hasOwn(relations, name)) {
        problems.push({
          path: ["resources", index, ...MAPPINGS, "relations", name],
          message: "is mapped both as a property and as a relation; a blueprint field has one identifier: rename one",
        });
      }
    }
    return problems;
  },
};

/** A literal blueprint (`'"bitbucketProject"'`, the usual form) must be a blueprint identifier Port accepts. */
const literalBlueprint: MappingRule = {
  name: "literal-blueprint",
  check(resource, index) {
    const literal = jqStringLiteral(resource.port.entity.mappings.blueprint);
    if (literal === null || isBlueprintIdentifier(literal)) return [];
    return [
      {
        path: ["resources", index, ...MAPPINGS, "blueprint"],
        message: `"${literal}" is not a blueprint identifier Port accepts (letters, digits, @ _ . + : \\ / -, at most 100)`,
      },
    ];
  },
};

/** The project regex compiles (JavaScript syntax, anchored at the start like Ocean's `re.match`). */
const projectRegex: MappingRule = {
  name: "project-regex",
  check(resource, index) {
    if (resource.kind === "user") return [];
    const outcome = compileProjectFilter(resource.selector);
    if (outcome.kind === "ok") return [];
    return [{ path: ["resources", index, "selector", "projectFilterRegex"], message: outcome.message }];
  },
};

export const MAPPING_RULES: readonly MappingRule[] = [portFieldNames, literalBlueprint, projectRegex];

/** Runs every rule on every resource. */
export function checkMappingRules(config: MappingConfig): ConfigProblem[] {
  return config.resources.flatMap((resource, index) => checkResourceRules(resource, index));
}

/** The rules for one resource, at its position in `resources[]` (also for a file whose other parts are invalid). */
export function checkResourceRules(resource: ResourceConfig, index: number): ConfigProblem[] {
  return MAPPING_RULES.flatMap((rule) => rule.check(resource, index));
}

/** `"bitbucketProject"` (a jq string literal with no escapes) → `bitbucketProject`; anything else → null. */
export function jqStringLiteral(source: string): string | null {
  const match = /^\s*"([^"\\]*)"\s*$/.exec(source);
  return match?.[1] ?? null;
}
