import type { ConfigProblem } from "./problems";
import { problemsFromZod } from "./problems";
import { Resource, type ResourceConfig } from "./schema";

/**
 * A resource with schema problems still has jq expressions and names worth checking: to report every problem
 * of a file in one run, the resource is repaired just enough to parse (each offending value removed, or a
 * required jq leaf replaced by `null`), and the later checks run on that copy. Its own problems are already
 * reported; the repair only ever removes or neutralises what they point at, so it cannot invent new ones.
 */

/** jq leaves that are required where they sit: replaced (by the jq `null`) rather than removed. */
const REQUIRED_LEAVES = new Set(["identifier", "blueprint", "query"]);
/** Keys whose loss leaves nothing to check. */
const STRUCTURE = new Set(["kind", "port", "entity", "mappings", "selector"]);
const MAX_REPAIRS = 20;

/**
 * @param raw one entry of `resources[]` as read from the file
 * @returns the resource, repaired to parse, or null when nothing useful is left
 */
export function salvageResource(raw: unknown): ResourceConfig | null {
  let candidate: unknown = structuredClone(raw);
  for (let attempt = 0; attempt < MAX_REPAIRS; attempt++) {
    const parsed = Resource.safeParse(candidate);
    if (parsed.success) return parsed.data;
    const problems: ConfigProblem[] = problemsFromZod(parsed.error.issues);
    for (const problem of problems) {
      if (!repair(candidate, problem.path)) return null;
    }
    candidate = structuredClone(candidate);
  }
  return null;
}

function repair(root: unknown, path: readonly PropertyKey[]): boolean {
  let target = [...path];
  // Inside a search query: neutralise the whole query (its rules shift when one is removed).
  const query = target.findIndex((segment) => segment === "rules" || segment === "combinator");
  if (query > 0) return setAt(root, target.slice(0, query), "null");
  // An array element: the array as a whole goes (`state: [open, bogus]`).
  while (typeof target[target.length - 1] === "number") target = target.slice(0, -1);
  const key = target[target.length - 1];
  if (typeof key !== "string" || target.length < 2) return false;
  if (REQUIRED_LEAVES.has(key)) return setAt(root, target, "null");
  if (STRUCTURE.has(key)) return false;
  return deleteAt(root, target);
}

function parentOf(root: unknown, path: readonly PropertyKey[]): object | null {
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return null;
    node = Reflect.get(node, segment);
  }
  return typeof node === "object" && node !== null && !Array.isArray(node) ? node : null;
}

function setAt(root: unknown, path: readonly PropertyKey[], value: unknown): boolean {
  const parent = parentOf(root, path);
  const key = path[path.length - 1];
  if (parent === null || key === undefined || Reflect.get(parent, key) === value) return false;
  return Reflect.set(parent, key, value);
}

function deleteAt(root: unknown, path: readonly PropertyKey[]): boolean {
  const parent = parentOf(root, path);
  const key = path[path.length - 1];
  if (parent === null || key === undefined || !Reflect.has(parent, key)) return false;
  return Reflect.deleteProperty(parent, key);
}
