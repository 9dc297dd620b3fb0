import { createHash } from "node:crypto";

/**
 * The hash of an entity's mapped content, kept in the agent state to skip writes that would change nothing.
 * Object keys are sorted (Port compares properties as sorted JSON, so key order is not a change), array order is
 * kept (it is a change in Port), and the write mode is part of the hash: switching `enableMergeEntity` rewrites.
 * @param entity the mapped entity as it would be sent
 * @param mode anything else that changes what a write does
 * @returns a hex SHA-256
 */
export function contentHash(entity: unknown, mode = ""): string {
  return createHash("sha256").update(mode).update("\u0000").update(canonicalJson(entity)).digest("hex");
}

/**
 * JSON with object keys sorted at every level; `undefined` members are dropped as JSON.stringify does. Written with
 * plain loops: it runs on every entity of every resync, and the entries/filter/map version allocated several arrays
 * per object.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let index = 0; index < value.length; index++) out += (index === 0 ? "" : ",") + canonicalJson(value[index]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  // The default sort compares UTF-16 code units, as `<` does.
  const keys = Object.keys(object).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const field = object[key];
    if (field === undefined) continue;
    out += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalJson(field)}`;
    first = false;
  }
  return `${out}}`;
}
