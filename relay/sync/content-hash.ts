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

/** JSON with object keys sorted at every level; `undefined` members are dropped as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(",")}]`;
  const entries = Object.entries(value)
    .filter(([, field]) => field !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(",")}}`;
}
