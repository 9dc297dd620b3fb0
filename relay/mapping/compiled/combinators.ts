import type { Json } from "../engine";
import { each } from "./builtins/helpers";
import { type Compiled, type Emit, type Env, fromFn, fromGen, isTruthy, type PathGen } from "./compiled-types";
import { index, iterationValues } from "./runtime/access";
import { isObject } from "./runtime/objects";
import { JqRuntimeError } from "./runtime/signals";

// The scope-free parts of the compiler: how compiled operands combine, in jq's evaluation order, each with a
// generator, a direct function when there is exactly one output, and a path form where jq has one.

export function recurseDefault(): Compiled {
  const walk = (x: Json, emit: Emit): void => {
    emit(x);
    if (Array.isArray(x)) for (const v of x) walk(v, emit);
    else if (isObject(x)) for (const k of Object.keys(x)) walk(x[k] ?? null, emit);
  };
  return fromGen(
    (x, _env, emit) => walk(x, emit),
    (x, p, _env, emit) => allPaths(x, p, emit),
  );
}

/** Visits a value and everything inside it, depth first, each with its path (what `..` emits in a path expression). */
export function allPaths(x: Json, p: Json[], visit: (v: Json, p: Json[]) => void): void {
  visit(x, p);
  if (Array.isArray(x))
    x.forEach((v, i) => {
      allPaths(v, [...p, i], visit);
    });
  else if (isObject(x)) for (const k of Object.keys(x)) allPaths(x[k] ?? null, [...p, k], visit);
}

export function map1(operand: Compiled, f: (v: Json) => Json): Compiled {
  const ofn = operand.fn;
  if (ofn !== null) return fromFn((x, env) => f(ofn(x, env)));
  return fromGen((x, env, emit) => operand.gen(x, env, (v) => emit(f(v))));
}

export function indexStep(target: Compiled, key: Compiled, optional: boolean): Compiled {
  const tfn = target.fn;
  const kfn = key.fn;
  const tpath = target.path;
  // jq evaluates the key first (outer loop), against the same input as the target: `.a[.b]`.
  const path: PathGen | null =
    tpath === null
      ? null
      : (x, p, env, emit) =>
          each(key, x, env, (k) =>
            tpath(x, p, env, (v, vp) =>
              guarded(
                optional,
                () => index(v, k),
                (r) => emit(r, [...vp, k]),
              ),
            ),
          );
  if (tfn !== null && kfn !== null && !optional) return fromFn((x, env) => index(tfn(x, env), kfn(x, env)), path);
  return fromGen(
    (x, env, emit) => each(key, x, env, (k) => each(target, x, env, (v) => guarded(optional, () => index(v, k), emit))),
    path,
  );
}

export function iterate(target: Compiled, optional: boolean): Compiled {
  const tpath = target.path;
  const path: PathGen | null =
    tpath === null
      ? null
      : (x, p, env, emit) =>
          tpath(x, p, env, (v, vp) => {
            if (Array.isArray(v))
              v.forEach((item, i) => {
                emit(item, [...vp, i]);
              });
            else if (isObject(v)) for (const k of Object.keys(v)) emit(v[k] ?? null, [...vp, k]);
            else
              guarded(
                optional,
                () => iterationValues(v),
                () => undefined,
              );
          });
  return fromGen((x, env, emit) => {
    each(target, x, env, (v) => {
      guarded(
        optional,
        () => iterationValues(v),
        (values) => {
          for (let i = 0; i < values.length; i++) emit(values[i] ?? null);
        },
      );
    });
  }, path);
}

/**
 * `try body catch handler`: errors raised by the body are caught; errors raised downstream of it (by whatever
 * consumes its outputs) pass through untouched, as in jq 1.7.1. After an error the body produces nothing more.
 */
export function tryCatch(body: Compiled, handler: Compiled | null): Compiled {
  const run = (x: Json, env: Env, emit: Emit, produce: (downstream: Emit) => void): void => {
    try {
      produce((v) => {
        try {
          emit(v);
        } catch (error) {
          throw new Downstream(error);
        }
      });
    } catch (error) {
      if (error instanceof Downstream) throw error.inner;
      if (!(error instanceof JqRuntimeError)) throw error;
      if (handler !== null) each(handler, error.value, env, emit);
    }
  };
  const bpath = body.path;
  const path: PathGen | null =
    bpath === null || handler !== null
      ? null
      : (x, p, env, emit) => {
          try {
            bpath(x, p, env, (v, vp) => {
              try {
                emit(v, vp);
              } catch (error) {
                throw new Downstream(error);
              }
            });
          } catch (error) {
            if (error instanceof Downstream) throw error.inner;
            if (!(error instanceof JqRuntimeError)) throw error;
          }
        };
  return fromGen((x, env, emit) => run(x, env, emit, (downstream) => each(body, x, env, downstream)), path);
}

export function pipe(left: Compiled, right: Compiled): Compiled {
  const lpath = left.path;
  const rpath = right.path;
  const path: PathGen | null =
    lpath === null || rpath === null ? null : (x, p, env, emit) => lpath(x, p, env, (v, vp) => rpath(v, vp, env, emit));
  const lfn = left.fn;
  const rfn = right.fn;
  if (lfn !== null && rfn !== null) return fromFn((x, env) => rfn(lfn(x, env), env), path);
  if (lfn !== null) return fromGen((x, env, emit) => right.gen(lfn(x, env), env, emit), path);
  return fromGen((x, env, emit) => left.gen(x, env, (v) => each(right, v, env, emit)), path);
}

export function comma(left: Compiled, right: Compiled): Compiled {
  const lpath = left.path;
  const rpath = right.path;
  const path: PathGen | null =
    lpath === null || rpath === null
      ? null
      : (x, p, env, emit) => {
          lpath(x, p, env, emit);
          rpath(x, p, env, emit);
        };
  return fromGen((x, env, emit) => {
    each(left, x, env, emit);
    each(right, x, env, emit);
  }, path);
}

/** `a // b`: the truthy outputs of `a`, or else the outputs of `b`. jq-wasm (1.7.1) lets errors of `a` through. */
export function alt(left: Compiled, right: Compiled): Compiled {
  const lpath = left.path;
  const rpath = right.path;
  const path: PathGen | null =
    lpath === null || rpath === null
      ? null
      : (x, p, env, emit) => {
          let found = false;
          lpath(x, p, env, (v, vp) => {
            if (isTruthy(v)) {
              found = true;
              emit(v, vp);
            }
          });
          if (!found) rpath(x, p, env, emit);
        };
  const lfn = left.fn;
  const rfn = right.fn;
  if (lfn !== null && rfn !== null) {
    return fromFn((x, env) => {
      const v = lfn(x, env);
      return isTruthy(v) ? v : rfn(x, env);
    }, path);
  }
  return fromGen((x, env, emit) => {
    let found = false;
    each(left, x, env, (v) => {
      if (isTruthy(v)) {
        found = true;
        emit(v);
      }
    });
    if (!found) each(right, x, env, emit);
  }, path);
}

export function logic(kind: "and" | "or", left: Compiled, right: Compiled): Compiled {
  const lfn = left.fn;
  const rfn = right.fn;
  const isAnd = kind === "and";
  if (lfn !== null && rfn !== null) {
    return fromFn((x, env) => {
      const l = isTruthy(lfn(x, env));
      if (isAnd ? !l : l) return l;
      return isTruthy(rfn(x, env));
    });
  }
  return fromGen((x, env, emit) =>
    each(left, x, env, (lv) => {
      const l = isTruthy(lv);
      if (isAnd ? !l : l) emit(l);
      else each(right, x, env, (rv) => emit(isTruthy(rv)));
    }),
  );
}

/** Binary operators: the right operand is the outer loop, as jq evaluates them (`(1,2) + (10,20)` is 11, 12, 21, 22). */
export function binary(op: (a: Json, b: Json) => Json, left: Compiled, right: Compiled): Compiled {
  const lfn = left.fn;
  const rfn = right.fn;
  if (lfn !== null && rfn !== null)
    return fromFn((x, env) => {
      const r = rfn(x, env);
      return op(lfn(x, env), r);
    });
  return fromGen((x, env, emit) => each(right, x, env, (r) => each(left, x, env, (l) => emit(op(l, r)))));
}

export function array(body: Compiled | null): Compiled {
  if (body === null) return fromFn(() => []);
  const bfn = body.fn;
  if (bfn !== null) return fromFn((x, env) => [bfn(x, env)]);
  return fromFn((x, env) => {
    const out: Json[] = [];
    body.gen(x, env, (v) => out.push(v));
    return out;
  });
}

/** Runs an indexing step; when it is optional (`.a?`), its own jq error means "no output" instead. */
export function guarded<T>(optional: boolean, op: () => T, then: (value: T) => void): void {
  if (!optional) {
    then(op());
    return;
  }
  let value: T;
  try {
    value = op();
  } catch (error) {
    if (error instanceof JqRuntimeError) return;
    throw error;
  }
  then(value);
}

/** Wraps an error raised downstream of a `try` body so that the `try` lets it through. */
class Downstream {
  constructor(readonly inner: unknown) {}
}
