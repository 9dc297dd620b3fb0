import type { Json } from "../../engine";
import { type Builtin, type Compiled, type Emit, type Env, fromFn, fromGen } from "../compiled-types";
import { Stop } from "../runtime/signals";
import { Unsupported } from "../unsupported";

/** Runs `c` on `input`, calling `cb` with each output. */
export function each(c: Compiled, input: Json, env: Env, cb: Emit): void {
  if (c.fn !== null) cb(c.fn(input, env));
  else c.gen(input, env, cb);
}

/** The first output of `c`, or `undefined` when it has none. */
export function firstOf(c: Compiled, input: Json, env: Env): Json | undefined {
  if (c.fn !== null) return c.fn(input, env);
  const stop = new Stop();
  let found: Json | undefined;
  try {
    c.gen(input, env, (v) => {
      found = v;
      throw stop;
    });
  } catch (error) {
    if (error !== stop) throw error;
  }
  return found;
}

/** Every output of `c`, collected. */
export function collect(c: Compiled, input: Json, env: Env): Json[] {
  if (c.fn !== null) return [c.fn(input, env)];
  const out: Json[] = [];
  c.gen(input, env, (v) => out.push(v));
  return out;
}

/** A builtin with no arguments and one output. */
export function unary(impl: (input: Json) => Json): Builtin {
  return () => fromFn((x) => impl(x));
}

/**
 * A builtin whose parameters are `$`-parameters: each argument's outputs are bound in turn (the first argument
 * is the outer loop, as `def f($a; $b)` desugars to `a as $a | b as $b | ...`).
 */
export function withValues(impl: (input: Json, ...args: Json[]) => Json): Builtin {
  return (args) => {
    const fns = args.map((a) => a.fn);
    if (fns.every((f) => f !== null)) {
      const ready = fns.filter((f) => f !== null);
      if (ready.length === 1) {
        const f0 = ready[0];
        if (f0 !== undefined) return fromFn((x, env) => impl(x, f0(x, env)));
      }
      return fromFn((x, env) => {
        const values: Json[] = [];
        for (const f of ready) values.push(f(x, env));
        return impl(x, ...values);
      });
    }
    return fromGen((x, env, emit) => {
      const values: Json[] = [];
      const step = (i: number): void => {
        const arg = args[i];
        if (arg === undefined) {
          emit(impl(x, ...values));
          return;
        }
        each(arg, x, env, (v) => {
          values[i] = v;
          step(i + 1);
        });
      };
      step(0);
    });
  };
}

export function unsupported(reason: string): Builtin {
  return () => {
    throw new Unsupported(reason);
  };
}
