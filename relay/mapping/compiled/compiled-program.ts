import type { JqOutcome, Json } from "../engine";
import type { Node } from "./ast";
import { firstOf } from "./builtins/helpers";
import type { Builtin, Compiled } from "./compiled-types";
import { compileNode } from "./compiler";
import { parseJq } from "./parser";
import { cString } from "./runtime/access";
import { DeferToReference, JqRuntimeError } from "./runtime/signals";
import { dump } from "./runtime/text";
import { JqCompileError, Unsupported } from "./unsupported";

/** The outcome of a compiled run: jq's outcome, or "this input needs jq-wasm" (never silently wrong). */
export type CompiledOutcome = JqOutcome | { kind: "defer"; reason: string };

export interface CompileJqOptions {
  /** jq's `now`, in seconds (injected so that shadow runs can give jq-wasm the same instant). */
  now?: () => number;
  /** Replaces builtins by `name/arity`; tests use it to break one on purpose. */
  builtinOverrides?: Readonly<Record<string, Builtin>>;
}

export type CompileJqResult =
  | { kind: "ok"; program: CompiledProgram }
  | { kind: "unsupported"; reason: string }
  /** jq refuses the expression at compile time; the message is jq's, as the jq-wasm engine reports it. */
  | { kind: "error"; message: string };

/**
 * Parses and compiles jq source for the compiled engine.
 * @returns the program, or why the expression must be served by jq-wasm
 */
export function compileJq(source: string, options: CompileJqOptions = {}): CompileJqResult {
  let ast: Node;
  try {
    ast = parseJq(source);
  } catch (error) {
    if (error instanceof Unsupported) return { kind: "unsupported", reason: error.message };
    if (error instanceof JqCompileError) return { kind: "error", message: error.message };
    throw error;
  }
  const clock = { last: 0 };
  const now = options.now ?? (() => Date.now() / 1000);
  try {
    const compiled = compileNode(ast, {
      context: {
        now: () => {
          clock.last = now();
          return clock.last;
        },
      },
      builtinOverrides: options.builtinOverrides ?? {},
    });
    return { kind: "ok", program: new CompiledProgram(source, compiled, usesNow(ast), clock) };
  } catch (error) {
    if (error instanceof Unsupported) return { kind: "unsupported", reason: error.message };
    throw error;
  }
}

function usesNow(node: Node): boolean {
  return JSON.stringify(node).includes('"name":"now"');
}

export class CompiledProgram {
  readonly #compiled: Compiled;
  readonly #clock: { last: number };

  constructor(
    readonly source: string,
    compiled: Compiled,
    /** Whether the program reads the clock: a shadow run must then give jq-wasm the same `now`. */
    readonly usesNow: boolean,
    clock: { last: number },
  ) {
    this.#compiled = compiled;
    this.#clock = clock;
  }

  /** The `now` of the last run (for a shadow run of a program that uses it). */
  get lastNow(): number {
    return this.#clock.last;
  }

  /** Runs the program on an input that `InputPreparer.prepare` made ready, returning its first output as jq would. */
  run(input: Json): CompiledOutcome {
    const outcome = this.runRaw(input);
    return outcome.kind === "value" ? { kind: "value", value: finalValue(outcome.value) } : outcome;
  }

  /**
   * Like `run`, but the value is left as computed (NaN and infinities included), for printing it the way jq
   * prints (`dump`).
   */
  runRaw(input: Json): CompiledOutcome {
    try {
      const value = firstOf(this.#compiled, input, null);
      return value === undefined ? { kind: "empty" } : { kind: "value", value };
    } catch (error) {
      if (error instanceof JqRuntimeError) return errorOutcome(error.value);
      if (error instanceof DeferToReference) return { kind: "defer", reason: error.reason };
      if (error instanceof RangeError) return { kind: "defer", reason: "recursion too deep for the compiled engine" };
      throw error;
    }
  }
}

/**
 * jq's message for an uncaught error, as the jq-wasm engine reports it: a string as it is (C stops at a NUL; the
 * wrapper trims it), any other value as its JSON text.
 */
function errorOutcome(value: Json): CompiledOutcome {
  if (typeof value !== "string") {
    try {
      return { kind: "error", message: dump(value) };
    } catch (error) {
      if (error instanceof DeferToReference) return { kind: "defer", reason: error.reason };
      throw error;
    }
  }
  const message = cString(value).trim();
  // With nothing after jq's "error (at …): " prefix, the wrapper's clean-up cannot strip it.
  if (message === "") return { kind: "defer", reason: "an empty error message" };
  return { kind: "error", message };
}

/** What jq prints for numbers JSON cannot hold: NaN as null, infinities as the largest doubles. */
function finalValue(value: Json): Json {
  if (typeof value === "number") return finiteNumber(value);
  if (typeof value !== "object" || value === null || !hasNonFinite(value)) return value;
  return replaceNonFinite(value);
}

function replaceNonFinite(value: Json): Json {
  if (typeof value === "number") return finiteNumber(value);
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(replaceNonFinite);
  const out: { [key: string]: Json } = {};
  // Same keys in the same order: JavaScript keeps the order of the object being copied.
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: replaceNonFinite(value[key] ?? null),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

function finiteNumber(n: number): Json {
  if (Number.isFinite(n)) return n;
  if (Number.isNaN(n)) return null;
  return n > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
}

function hasNonFinite(value: Json): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasNonFinite);
  for (const key in value) if (hasNonFinite(value[key] ?? null)) return true;
  return false;
}
