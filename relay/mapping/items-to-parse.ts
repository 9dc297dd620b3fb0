import type { PortSection } from "../../shared/mapping-config/schema";
import type { JqProgram, Json } from "./engine";
import { isJsonObject, type JsonObject, type MappingError, type MappingWarning } from "./mapping-result";

/**
 * `port.itemsToParse` (port-api.md §6.4): one raw item becomes one element per entry of the array the jq
 * gives, each `{...item, <itemsToParseName>: entry}`. With `itemsToParseTopLevelTransform` (the default) the
 * array is first removed from the parent copy, when the expression is a plain path (`.a.b`), as Ocean does
 * for the paths it recognises; other expressions leave the parent whole.
 *
 * Where Ocean logs and skips, we are stricter in one case: a jq error, or a value that is not a list, is an error
 * for the kind (the item's entities are unknown, so a resync must not delete on the strength of it). A null or
 * missing list (`.reviewers` on an item without reviewers) gives no elements and a counted warning.
 */

export type ExpandOutcome =
  | { kind: "ok"; elements: Json[]; warning?: MappingWarning }
  | { kind: "error"; error: MappingError };

/**
 * @param item the raw item
 * @param program the compiled `itemsToParse`
 * @param port the resource's `port` section (name and top-level transform)
 * @param path the dot-path of `itemsToParse` in the file, for messages
 */
export async function expandItem(
  item: Json,
  program: JqProgram,
  port: PortSection,
  path: string,
): Promise<ExpandOutcome> {
  if (!isJsonObject(item)) {
    return {
      kind: "error",
      error: { code: "items-to-parse-error", path, message: "needs every item to be an object" },
    };
  }
  const outcome = await program.first(item);
  if (outcome.kind === "error") {
    return { kind: "error", error: { code: "items-to-parse-error", path, message: `jq error: ${outcome.message}` } };
  }
  if (outcome.kind === "empty" || outcome.value === null) {
    return {
      kind: "ok",
      elements: [],
      warning: {
        code: "items-to-parse-empty",
        path,
        message: "gave no list for an item (null or no output), so it maps to nothing",
      },
    };
  }
  if (!Array.isArray(outcome.value)) {
    return {
      kind: "error",
      error: {
        code: "items-to-parse-not-array",
        path,
        message: `must give a list, gave ${typeof outcome.value === "object" ? "an object" : `a ${typeof outcome.value}`}`,
      },
    };
  }
  const deletion = port.itemsToParseTopLevelTransform ? simplePath(port.itemsToParse ?? "") : null;
  const parent = deletion === null ? item : withoutPath(item, deletion);
  const name = port.itemsToParseName;
  return { kind: "ok", elements: outcome.value.map((entry) => ({ ...parent, [name]: entry })) };
}

/** `.a.b` → `["a", "b"]`; anything more than a plain path → null. */
export function simplePath(source: string): string[] | null {
  const match = /^\s*((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*$/.exec(source);
  return match?.[1] === undefined ? null : match[1].slice(1).split(".");
}

/** A copy of `object` without the value at `path` (copies along the path; the input is not changed). */
function withoutPath(object: JsonObject, path: readonly string[]): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined || !(head in object)) return object;
  const copy = { ...object };
  const child = copy[head];
  if (rest.length === 0) delete copy[head];
  else if (isJsonObject(child)) copy[head] = withoutPath(child, rest);
  return copy;
}
