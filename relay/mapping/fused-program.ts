import type { JqEngine, JqOutcome, JqProgram, Json } from "./engine";
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

/** One jq call for the leaves of an item that an engine paying per call serves. */
export interface FusedCall {
  program: JqProgram;
  /** The call evaluates the selector; otherwise the selector runs on its own first and the call's slot is `true`. */
  includesSelector: boolean;
  /** Positions in the mapper's fields of the fields the call evaluates, in slot order. */
  fields: number[];
  /** The fields that run on their own: their positions in the mapper's fields, and their programs in the same order. */
  alone: number[];
  alonePrograms: JqProgram[];
}

/**
 * Plans the fused call for the selector and fields served by `fuseEngines`.
 * @param leafProgram a leaf's jq as the engine compiles it (Port's quote rewrite, the jq environment)
 * @param fields the mapper's compiled fields, in leaf order
 * @returns the call, or null when fewer than two leaves are served (one call each is then as cheap) or one of them
 *   cannot be fused
 */
export async function fuseCall(
  engine: JqEngine,
  leafProgram: (source: string) => string,
  selectorQuery: string,
  selector: JqProgram,
  fields: readonly { leaf: { source: string }; program: JqProgram }[],
  fuseEngines: readonly string[],
): Promise<FusedCall | null> {
  const pays = (program: JqProgram): boolean => fuseEngines.includes(program.engine);
  const includesSelector = pays(selector);
  const call = { fields: [] as number[], sources: [] as string[] };
  const alone = { fields: [] as number[], programs: [] as JqProgram[] };
  fields.forEach((field, position) => {
    if (pays(field.program)) {
      call.fields.push(position);
      call.sources.push(leafProgram(field.leaf.source));
    } else {
      alone.fields.push(position);
      alone.programs.push(field.program);
    }
  });
  if (call.fields.length + (includesSelector ? 1 : 0) < 2) return null;
  const selectorSource = includesSelector ? leafProgram(selectorQuery) : "true";
  if (!canFuse([selectorSource, ...call.sources])) return null;
  const outcome = await engine.compile(fusedSource(selectorSource, call.sources));
  // Each leaf compiled alone, so the fused program compiles too; if it ever did not, leaf by leaf is exact.
  if (outcome.kind !== "ok") return null;
  return {
    program: outcome.program,
    includesSelector,
    fields: call.fields,
    alone: alone.fields,
    alonePrograms: alone.programs,
  };
}

/**
 * Runs the fused call on one item (the selector first on its own when the call does not include it), and the
 * fields that run alone.
 * @returns the outcomes, or null when the fused output is not of the fused shape (the caller then goes leaf by leaf)
 */
export async function evaluateFused(
  fused: FusedCall,
  selector: JqProgram,
  fieldCount: number,
  value: Json,
): Promise<FusedOutcome | null> {
  let selected: JqOutcome | null = null;
  if (!fused.includesSelector) {
    selected = await selector.first(value);
    if (selected.kind !== "value" || selected.value !== true) return { selector: selected, fields: null };
  }
  const outcome = await fused.program.first(value);
  const decoded = outcome.kind === "value" ? decodeFused(outcome.value, fused.fields.length) : null;
  if (decoded === null) return null;
  if (decoded.fields === null || fused.alone.length === 0)
    return { selector: selected ?? decoded.selector, fields: decoded.fields };
  const inCall = decoded.fields;
  const outcomes: JqOutcome[] = new Array<JqOutcome>(fieldCount);
  fused.fields.forEach((position, slot) => {
    outcomes[position] = inCall[slot] ?? { kind: "empty" };
  });
  const alone = await runAll(fused.alonePrograms, value);
  fused.alone.forEach((position, index) => {
    outcomes[position] = alone[index] ?? { kind: "empty" };
  });
  return { selector: selected ?? decoded.selector, fields: outcomes };
}

/** Runs programs on one input, without a promise per leaf when the engine answers synchronously. */
export function runAll(programs: readonly JqProgram[], input: Json): JqOutcome[] | Promise<JqOutcome[]> {
  const outcomes = programs.map((program) => program.first(input));
  const settled: JqOutcome[] = [];
  for (const outcome of outcomes) {
    if (outcome instanceof Promise) return Promise.all(outcomes);
    settled.push(outcome);
  }
  return settled;
}
