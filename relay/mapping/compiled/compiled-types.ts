import type { Json } from "../engine";

/** A jq filter parameter: the caller's filter with the environment it was written in. */
export class Closure {
  constructor(
    readonly gen: Gen,
    readonly env: Env,
  ) {}
}

/** The runtime environment: variables and filter parameters, innermost first, resolved by depth at compile time. */
export type Env = { readonly slot: Json | Closure; readonly next: Env } | null;

export type Emit = (value: Json) => void;
export type PathEmit = (value: Json, path: Json[]) => void;

/** Every output of the filter for one input, in jq's order; errors are thrown `JqRuntimeError`s. */
export type Gen = (input: Json, env: Env, emit: Emit) => void;
/** The one output of a filter that always has exactly one (or throws): the fast path. */
export type Fn = (input: Json, env: Env) => Json;
/** Path mode (`path(f)`, `del(f)`): every output with its path from the root. */
export type PathGen = (input: Json, path: Json[], env: Env, emit: PathEmit) => void;

export interface Compiled {
  readonly gen: Gen;
  readonly fn: Fn | null;
  readonly path: PathGen | null;
  /** The value of a literal (`"%Y"`, `"g"`), so that builtins can check constant arguments at compile time. */
  readonly constant?: Json;
}

/** What builtins may need from the engine (injected: a clock for `now`). */
export interface BuiltinContext {
  /** Seconds since the epoch, with a fraction (jq's `now`). */
  readonly now: () => number;
}

/**
 * A builtin: given its compiled arguments, its compiled form. Arguments are filters in the caller's scope;
 * `$`-parameters are evaluated by the builtin itself, in jq's order.
 */
export type Builtin = (args: readonly Compiled[], context: BuiltinContext) => Compiled;

export function fromGen(gen: Gen, path: PathGen | null = null): Compiled {
  return { gen, fn: null, path };
}

export function fromFn(fn: Fn, path: PathGen | null = null): Compiled {
  return { gen: (input, env, emit) => emit(fn(input, env)), fn, path };
}

export function isTruthy(value: Json): boolean {
  return value !== null && value !== false;
}

export function isClosure(slot: Json | Closure): slot is Closure {
  return slot instanceof Closure;
}
