import { type ConfigProblem, problemsFromZod } from "./problems";
import { checkMappingRules, checkResourceRules } from "./rules";
import { salvageResource } from "./salvage";
import { type MappingConfig, PortAppConfig, type ResourceConfig } from "./schema";

export type ParseMappingOutcome =
  | { kind: "ok"; config: MappingConfig }
  | {
      kind: "invalid";
      problems: ConfigProblem[];
      /**
       * The resources as far as they could be checked: valid ones, and invalid ones repaired just enough to parse
       * (salvage.ts), so that later checks (jq compilation) still run on them. Never to be mapped with.
       */
      validResources: { index: number; resource: ResourceConfig }[];
    };

/**
 * Parse → normalise → rules, for a mapping file already read as data (YAML or JSON). Compiling the jq is the
 * runtime's part (the engine lives on the agent), and comes after this. When the file as a whole is invalid,
 * each resource is still checked as far as it can be, so that one run reports every problem of the file.
 * @param data the document's value
 * @returns the normalised configuration, or every problem found
 */
export function parseMappingConfig(data: unknown): ParseMappingOutcome {
  const parsed = PortAppConfig.safeParse(data);
  if (parsed.success) {
    const problems = checkMappingRules(parsed.data);
    if (problems.length === 0) return { kind: "ok", config: parsed.data };
    return {
      kind: "invalid",
      problems,
      validResources: parsed.data.resources.map((resource, index) => ({ index, resource })),
    };
  }
  const problems = problemsFromZod(parsed.error.issues);
  const validResources: { index: number; resource: ResourceConfig }[] = [];
  const resources = typeof data === "object" && data !== null && "resources" in data ? data.resources : undefined;
  if (Array.isArray(resources)) {
    resources.forEach((raw: unknown, index) => {
      const resource = salvageResource(raw);
      if (resource !== null) validResources.push({ index, resource });
    });
  }
  const ruleProblems = validResources.flatMap(({ index, resource }) => checkResourceRules(resource, index));
  return { kind: "invalid", problems: [...problems, ...ruleProblems], validResources };
}
