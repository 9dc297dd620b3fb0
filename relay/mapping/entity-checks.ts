import { isBlueprintIdentifier, isEntityIdentifier } from "../../shared/mapping-config/port-identifiers";
import type { Json } from "./engine";
import { isJsonObject, type JsonObject } from "./mapping-result";

/**
 * What makes a mapped entity one Port can take: a non-empty string identifier (or a search query) and a
 * blueprint that match Port's identifier rules. A failing check drops the entity with the reason as a warning;
 * Port skips null and empty ones the same way, and refuses the others at upsert time.
 */

export type Checked<T> = { kind: "ok"; value: T } | { kind: "invalid"; reason: string };

export function checkIdentifier(identifier: Json): Checked<string> {
  if (identifier === null || identifier === "") {
    return {
      kind: "invalid",
      reason: `is ${identifier === null ? "null" : "empty"}, so the entity is skipped (as in Port)`,
    };
  }
  if (typeof identifier !== "string") {
    return {
      kind: "invalid",
      reason: `must be a string, got ${describeJson(identifier)}, so the entity is skipped (use tostring in jq)`,
    };
  }
  if (!isEntityIdentifier(identifier)) {
    return {
      kind: "invalid",
      reason: `${JSON.stringify(identifier)} is not an identifier Port accepts (letters, digits, @ _ . + : \\ / = -; no spaces; at most 1000), so the entity is skipped`,
    };
  }
  return { kind: "ok", value: identifier };
}

/** A search-query identifier is an object built from the mapping's shape; Port resolves it. */
export function checkQuery(identifier: Json): Checked<JsonObject> {
  return isJsonObject(identifier)
    ? { kind: "ok", value: identifier }
    : { kind: "invalid", reason: "the search query did not evaluate to an object" };
}

export function checkBlueprint(blueprint: Json): Checked<string> {
  if (blueprint === null || blueprint === "") {
    return {
      kind: "invalid",
      reason: `is ${blueprint === null ? "null" : "empty"}, so the entity is skipped (as in Port)`,
    };
  }
  if (typeof blueprint !== "string")
    return { kind: "invalid", reason: `must be a string, got ${describeJson(blueprint)}, so the entity is skipped` };
  if (!isBlueprintIdentifier(blueprint)) {
    return {
      kind: "invalid",
      reason: `${JSON.stringify(blueprint)} is not a blueprint identifier Port accepts, so the entity is skipped`,
    };
  }
  return { kind: "ok", value: blueprint };
}

/** A relation's string target (or one in a list) that Port would refuse; search queries are Port's to resolve. */
export function invalidTarget(target: Json): string | null {
  const targets = Array.isArray(target) ? target : [target];
  for (const one of targets) if (typeof one === "string" && !isEntityIdentifier(one)) return one;
  return null;
}

export function describeJson(value: Json): string {
  const text = JSON.stringify(value);
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list ${shown}`;
  return `${typeof value === "object" ? "an object" : `a ${typeof value}`} ${shown}`;
}
