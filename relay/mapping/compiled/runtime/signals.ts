import type { Json } from "../../engine";

// These are control-flow signals of the evaluator, thrown and caught inside it. They do not extend Error on
// purpose: capturing a stack trace for every jq error or early stop would cost more than the evaluation itself.

/** A jq error (`error(v)`, a type error): catchable by `try`, `?` and `catch`, carrying jq's error value. */
export class JqRuntimeError {
  constructor(readonly value: Json) {}
}

/**
 * Thrown when the compiled engine meets a value it cannot treat exactly as jq 1.7.1 would (a number whose text
 * jq would print differently depending on where it came from, a string jq would have to repair, a message cut in
 * the middle of a character). No `try` catches it: the whole evaluation is handed to jq-wasm for that input.
 */
export class DeferToReference {
  constructor(readonly reason: string) {}
}

/** Stops a generator early (`limit`, `first`, the first output of a program); identified by object identity. */
export class Stop {}

export function jqError(message: string): JqRuntimeError {
  return new JqRuntimeError(message);
}

export function defer(reason: string): DeferToReference {
  return new DeferToReference(reason);
}
