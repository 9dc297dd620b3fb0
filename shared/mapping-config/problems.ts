import type { z } from "zod";
import { formatDotPath } from "./dot-path";

/** One thing wrong with the configuration, at a place in it. */
export interface ConfigProblem {
  path: readonly PropertyKey[];
  message: string;
}

/** `resources[2].port.entity.mappings.properties.created_on: message` */
export function formatProblem(problem: ConfigProblem): string {
  return `${formatDotPath(problem.path)}: ${problem.message}`;
}

/** Every key the mapping file knows, for "did you mean" hints on unknown keys. */
const KNOWN_KEYS = [
  "createMissingRelatedEntities",
  "deleteDependentEntities",
  "enableMergeEntity",
  "entityDeletionThreshold",
  "resources",
  "kind",
  "selector",
  "port",
  "query",
  "projects",
  "projectFilterRegex",
  "state",
  "includeArchived",
  "includePersonalProjects",
  "enrich",
  "readme",
  "latestCommit",
  "entity",
  "mappings",
  "itemsToParse",
  "itemsToParseName",
  "itemsToParseTopLevelTransform",
  "identifier",
  "title",
  "blueprint",
  "team",
  "icon",
  "properties",
  "relations",
  "combinator",
  "rules",
  "property",
  "operator",
  "value",
];

/**
 * Turns zod's issues into problems users can act on: one per unknown key (with a "did you mean"), the branch
 * that got furthest for a union (so a bad rule inside a search query is named, not "invalid input"), and
 * "is required" for a missing key.
 * @param issues the issues of a failed parse
 * @param prefix the path of the parsed value inside the file
 */
export function problemsFromZod(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) problems.push({ path: [...path, key], message: unknownKeyMessage(key) });
        break;
      case "invalid_union": {
        const branch = furthestBranch(issue.errors);
        if (branch === undefined) problems.push({ path, message: issue.message });
        else problems.push(...problemsFromZod(branch, path));
        break;
      }
      case "invalid_type":
        problems.push({
          path,
          message: issue.message.startsWith("Invalid input") ? genericTypeMessage(issue) : issue.message,
        });
        break;
      default:
        problems.push({ path, message: issue.message });
    }
  }
  return problems;
}

/**
 * The branch of a failed union whose value had the right shape and failed deeper: its issues say more than
 * "expected a string". None when every branch failed at the top (the union's own message says it best).
 */
function furthestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  return branches.find(
    (branch) => branch.length > 0 && !branch.some((issue) => issue.code === "invalid_type" && issue.path.length === 0),
  );
}

function genericTypeMessage(issue: z.core.$ZodIssueInvalidType): string {
  if (/received undefined$/.test(issue.message)) return `is required (${article(issue.expected)})`;
  return `must be ${article(issue.expected)}`;
}

function article(expected: string): string {
  const words: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    record: "a mapping",
    string: "a string",
    number: "a number",
    boolean: "true or false",
  };
  return words[expected] ?? expected;
}

/** Keys that are valid only in some kinds' selectors: say where they belong rather than "unknown". */
const KIND_SPECIFIC_KEYS: Record<string, string> = {
  projects: "the project, repository and pull-request kinds",
  projectFilterRegex: "the project, repository and pull-request kinds",
  state: "the pull-request kind",
  includeArchived: "the repository and pull-request kinds",
  includePersonalProjects: "the repository and pull-request kinds",
  enrich: "the repository kind",
};

function unknownKeyMessage(key: string): string {
  const owner = KIND_SPECIFIC_KEYS[key];
  if (owner !== undefined) return `is not a setting here: it is a selector of ${owner} only`;
  if (KNOWN_KEYS.includes(key)) return "is not a setting here (check the indentation)";
  const hint = closestKey(key);
  return `unknown key${hint ? `; did you mean "${hint}"?` : ""}`;
}

function closestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const known of KNOWN_KEYS) {
    const distance = known.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, known);
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
