import type { Json } from "../mapping/engine";

/** Reads Bitbucket objects as plain JSON without casts: a missing or mistyped field is `undefined`, never a throw. */

export function field(value: Json | undefined, name: string): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value[name] : undefined;
}

export function asObject(value: Json | undefined): Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}
