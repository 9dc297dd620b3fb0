import { problemsFromZod, type ConfigProblem } from "./problems";
import { checkMappingRules } from "./rules";
import { PortAppConfig, Resource, type MappingConfig, type ResourceConfig } from "./schema";

export type ParseMappingOutcome =
  | { kind: "ok"; config: MappingConfig }
  | {
      kind: "invalid";
      problems: ConfigProblem[];
      /** The resources that are valid on their own, so that later checks (jq compilation) still run on them. */
      validResources: { index: number; resource: ResourceConfig }[];
    };

/**
 * Parse → normalise → rules, for a mapping file already read as data (YAML or JSON). Compiling the jq is the
 * runtime's part (the engine lives on the agent), and comes after this. When the file as a whole is invalid,
 * each resource is still checked on its own, so that one run reports every problem of the file.
 * @param data the document's value
 * @returns the normalised configuration, or every problem found
 */
export function parseMappingConfig(data: unknown): ParseMappingOutcome {
  const parsed = PortAppConfig.safeParse(data);
  if (parsed.success) {
    const problems = checkMappingRules(parsed.data);
    if (problems.length === 0) return { kind: "ok", config: parsed.data };
    return { kind: "invalid", problems, validResources: parsed.data.resources.map((resource, index) => ({ index, resource })) };
  }
  const problems = problemsFromZod(parsed.error.issues);
  const validResources: { index: number; resource: ResourceConfig }[] = [];
  const resources = typeof data === "object" && data !== null && "resources" in data ? data.resources : undefined;
  if (Array.isArray(resources)) {
    resources.forEach((raw: unknown, index) => {
      const one = Resource.safeParse(raw);
      if (!one.success) return;
      validResources.push({ index, resource: one.data });
    });
  }
  const ruleProblems = validResources.flatMap(({ index, resource }) =>
    checkMappingRules({ ...placeholderRoot, resources: [resource] }).map((problem) => ({
      ...problem,
      path: ["resources", index, ...problem.path.slice(2)],
    })),
  );
  return { kind: "invalid", problems: [...problems, ...ruleProblems], validResources };
}

const placeholderRoot = { createMissingRelatedEntities: true, deleteDependentEntities: true, enableMergeEntity: true, entityDeletionThreshold: 0.9 };
