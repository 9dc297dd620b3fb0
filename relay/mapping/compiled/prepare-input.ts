import type { Json } from "../engine";

// jq-wasm receives `JSON.stringify(input)` and parses it again, and the compiled engine must see what jq sees:
// -0 is written as `0`, non-finite numbers (not JSON, but a caller could pass them) as null, and a lone surrogate
// as `\ud800`, which jq 1.7.1 rejects with a parse error: such inputs are left to jq-wasm whole. So are inputs
// nested deeper than jq's parser takes ("Exceeds depth limit for parsing": its stack holds each open array, and
// each open object twice, 256 at most), which also keeps this walk's recursion short.

/** The input cannot be given to the compiled engine: jq-wasm must run it (and report jq's parse error). */
export const NEEDS_REFERENCE: unique symbol = Symbol("needs jq-wasm");

const LONE_SURROGATE = /[\ud800-\udfff]/u;
/** jq's `MAX_PARSING_DEPTH`. */
const MAX_PARSING_DEPTH = 256;

/**
 * One walk over the input (a mapper calls this once per item, so it is on the hot path): `reference` when a
 * string or key holds a lone surrogate (jq-wasm must run it), `repair` when a number must be rewritten as jq would
 * read it, `ok` otherwise.
 * @param stack how much of jq's parser stack the containers around `value` use
 */
function inspect(value: Json, stack = 0): "ok" | "repair" | "reference" {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? "reference" : "ok";
  if (typeof value === "number") return Number.isFinite(value) && !Object.is(value, -0) ? "ok" : "repair";
  if (typeof value !== "object" || value === null) return "ok";
  if (stack >= MAX_PARSING_DEPTH) return "reference";
  let verdict: "ok" | "repair" = "ok";
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = inspect(item, stack + 1);
      if (found === "reference") return found;
      if (found === "repair") verdict = found;
    }
    return verdict;
  }
  for (const key of Object.keys(value)) {
    if (LONE_SURROGATE.test(key)) return "reference";
    const found = inspect(value[key] ?? null, stack + 2);
    if (found === "reference") return found;
    if (found === "repair") verdict = found;
  }
  return verdict;
}

function repair(value: Json): Json {
  if (typeof value === "number") return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(repair);
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(out, key, {
      value: repair(value[key] ?? null),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Makes inputs what jq sees, once per input object: a mapper evaluates a dozen fields on the same item, so the
 * check is cached by identity (callers must not mutate an item between evaluations).
 */
export class InputPreparer {
  readonly #cache = new WeakMap<object, Json | typeof NEEDS_REFERENCE>();

  prepare(input: Json): Json | typeof NEEDS_REFERENCE {
    if (typeof input !== "object" || input === null) return this.#check(input);
    const cached = this.#cache.get(input);
    if (cached !== undefined) return cached;
    const ready = this.#check(input);
    this.#cache.set(input, ready);
    return ready;
  }

  #check(input: Json): Json | typeof NEEDS_REFERENCE {
    const verdict = inspect(input);
    return verdict === "reference" ? NEEDS_REFERENCE : verdict === "repair" ? repair(input) : input;
  }
}
