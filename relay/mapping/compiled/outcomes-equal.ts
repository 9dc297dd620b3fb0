import type { JqOutcome, Json } from "../engine";

/** Exact equality of two JSON values: same kinds, same numbers (-0 too), same keys in the same order. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (typeof a === "number" || typeof b === "number") return Object.is(a, b);
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i] ?? null));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k, i) => k === kb[i] && jsonEqual(a[k] ?? null, b[k] ?? null));
}

export function outcomesEqual(a: JqOutcome, b: JqOutcome): boolean {
  if (a.kind === "value" && b.kind === "value") return jsonEqual(a.value, b.value);
  if (a.kind === "error" && b.kind === "error") return a.message === b.message;
  return a.kind === b.kind;
}

/** A short description of an outcome for a warning (values cut so a log line stays small). */
export function describeOutcome(outcome: JqOutcome): string {
  if (outcome.kind === "empty") return "no output";
  if (outcome.kind === "error") return `error: ${outcome.message.slice(0, 200)}`;
  return `value: ${JSON.stringify(outcome.value).slice(0, 200)}`;
}
