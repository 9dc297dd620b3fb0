import type { JqOutcome, Json } from "./engine";
import { isJsonObject } from "./mapping-result";

/**
 * One jq program that evaluates the selector and every field of an item in a single call, for engines that pay
 * per call (jq-wasm runs jq's whole `main()` each time: ~1.1 ms, so ~15 calls per PR cost ~15 times one).
 * Each leaf keeps exactly its own semantics:
 * - `[limit(1; (EXPR))]` takes the first output only and never runs into a later error, as `JqProgram.first`;
 * - `try … catch {e: .}` turns a leaf's error into a value, so one field's error cannot touch another field;
 * - an empty result is told apart from a null one (`{n: true}` vs `{v: null}`);
 * - the fields are evaluated only when the selector gave `true` (Port evaluates them for selected items only).
 * Each leaf was compiled on its own at load, so composing them cannot introduce a syntax error; the newlines
 * keep a trailing `# comment` in a leaf from swallowing what follows it.
 */

/** Builtins whose effect reaches beyond one leaf's value (program input, exit, stderr, source positions). */
const NOT_FUSABLE = /\b(?:input|inputs|halt|halt_error|input_line_number|input_filename|debug|stderr)\b|\$__loc__/;

/** @returns whether every leaf behaves the same inside the fused program as alone */
export function canFuse(sources: readonly string[]): boolean {
  return !sources.some((source) => NOT_FUSABLE.test(source));
}

function slot(source: string): string {
  return `(try ([limit(1; (\n${source}\n))] | if length == 0 then {"n": true} else {"v": .[0]} end) catch {"e": .})`;
}

/**
 * @param selector the selector's jq
 * @param fields every field leaf's jq, in leaf order
 * @returns `{s: SLOT}` when the selector is not `true`, else `{s: SLOT, f: [SLOT, …]}`
 */
export function fusedSource(selector: string, fields: readonly string[]): string {
  return `${slot(selector)} as $__bbrelay_selected | if $__bbrelay_selected == {"v": true} then {"s": $__bbrelay_selected, "f": [\n${fields.map(slot).join(",\n")}\n]} else {"s": $__bbrelay_selected} end`;
}

export interface FusedOutcome {
  selector: JqOutcome;
  /** Null when the selector was not `true` (the fields were not evaluated). */
  fields: JqOutcome[] | null;
}

/**
 * @param value the fused program's output
 * @param fieldCount how many fields it evaluates
 * @returns the per-leaf outcomes, or null when the output does not have the fused shape (the caller then
 *   evaluates leaf by leaf)
 */
export function decodeFused(value: Json, fieldCount: number): FusedOutcome | null {
  if (!isJsonObject(value)) return null;
  const selector = decodeSlot(value.s);
  if (selector === null) return null;
  if (value.f === undefined) return { selector, fields: null };
  if (!Array.isArray(value.f) || value.f.length !== fieldCount) return null;
  const fields: JqOutcome[] = [];
  for (const item of value.f) {
    const outcome = decodeSlot(item);
    if (outcome === null) return null;
    fields.push(outcome);
  }
  return { selector, fields };
}

function decodeSlot(value: Json | undefined): JqOutcome | null {
  if (!isJsonObject(value)) return null;
  if ("v" in value) return { kind: "value", value: value.v ?? null };
  if ("n" in value) return { kind: "empty" };
  if ("e" in value) {
    const error = value.e ?? null;
    // jq prints a non-string error value as JSON (`jq: error (not a string): {"a":1}`); the per-leaf path
    // reports the same text.
    return { kind: "error", message: typeof error === "string" ? error : JSON.stringify(error) };
  }
  return null;
}
