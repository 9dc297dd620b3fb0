import { readFileSync } from "node:fs";
import { z } from "zod";
import { messageOf } from "../log/message-of";
import { Blueprint } from "./port-rules/blueprint";

/** Why blueprints cannot be used: the file cannot be read, is not JSON, or holds blueprints that are not valid. */
export type BlueprintsInvalidKind = "unreadable" | "not-json" | "invalid";

/** A blueprints file or value that is not a list of valid blueprints: every problem, each with its path. */
export class BlueprintsInvalidError extends Error {
  override readonly name = "BlueprintsInvalidError";
  constructor(
    readonly kind: BlueprintsInvalidKind,
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }
}

/**
 * Reads blueprints in the shape of `seed/blueprints.json` (a JSON array of Port blueprints), checking each and that
 * every relation targets a blueprint of the list or of `known`.
 * @param source names the input in error messages (a file path, "default blueprints")
 * @param known identifiers of blueprints that already exist elsewhere (in the catalog)
 * @throws BlueprintsInvalidError with every problem at once
 */
export function parseBlueprints(value: unknown, source: string, known: readonly string[] = []): Blueprint[] {
  const parsed = z.array(Blueprint).safeParse(value);
  if (!parsed.success) {
    throw new BlueprintsInvalidError(
      "invalid",
      source,
      parsed.error.issues.map((issue) => `${pathText(issue.path) || "(root)"}: ${issue.message}`),
    );
  }
  const identifiers = new Set([...known, ...parsed.data.map((blueprint) => blueprint.identifier)]);
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.data.forEach((blueprint, index) => {
    if (seen.has(blueprint.identifier))
      problems.push(`[${index}].identifier: "${blueprint.identifier}" is defined twice`);
    seen.add(blueprint.identifier);
    for (const [name, relation] of Object.entries(blueprint.relations)) {
      if (!identifiers.has(relation.target)) {
        problems.push(`[${index}].relations.${name}.target: blueprint "${relation.target}" is not defined`);
      }
    }
    for (const required of blueprint.schema.required) {
      if (blueprint.schema.properties[required] === undefined) {
        problems.push(`[${index}].schema.required: "${required}" is not a property of the blueprint`);
      }
    }
  });
  if (problems.length > 0) throw new BlueprintsInvalidError("invalid", source, problems);
  return parsed.data;
}

/**
 * @throws BlueprintsInvalidError when the file cannot be read, is not JSON or holds invalid blueprints
 */
export function readBlueprintsFile(path: string, known: readonly string[] = []): Blueprint[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new BlueprintsInvalidError("unreadable", path, [`cannot be read (${messageOf(error)})`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BlueprintsInvalidError("not-json", path, [`is not JSON (${messageOf(error)})`]);
  }
  return parseBlueprints(value, path, known);
}

/** `[1].schema.properties.url.type`, as the problems elsewhere name paths. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`))
    .join("")
    .replace(/^\./, "");
}
