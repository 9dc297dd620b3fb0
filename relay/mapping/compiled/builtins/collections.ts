import type { Json } from "../../engine";
import { allPaths, recurseDefault } from "../combinators";
import { type Builtin, type Compiled, type Env, fromFn, fromGen, isTruthy, type PathGen } from "../compiled-types";
import { index, iterationValues } from "../runtime/access";
import { isObject, type JsonObject, setField } from "../runtime/objects";
import { compare, equals, sortByKeys } from "../runtime/order";
import { defer, jqError, Stop } from "../runtime/signals";
import { describeValue } from "../runtime/text";
import { Unsupported } from "../unsupported";
import { fromEntries } from "./core";
import { collect, each, firstOf } from "./helpers";

function arg(args: readonly Compiled[], i: number): Compiled {
  const a = args[i];
  if (a === undefined) throw new Error(`missing builtin argument ${i}`);
  return a;
}

function needPath(c: Compiled, what: string): PathGen {
  if (c.path === null) throw new Unsupported(`${what} of an expression without a path form`);
  return c.path;
}

/** `map([f])`: for each element, the array of all outputs of `f` (the sort keys of `sort_by` and friends). */
function keysBy(f: Compiled, x: Json, env: Env): Json[] {
  return iterationValues(x).map((v) => collect(f, v, env));
}

function sortedBy(x: Json, keys: Json[]): Json[] {
  if (!Array.isArray(x))
    throw jqError(`${describeValue(x)} and ${describeValue(keys)} cannot be sorted, as they are not both arrays`);
  return sortByKeys(x, keys);
}

function groupBy(x: Json, keys: Json[]): Json[][] {
  if (!Array.isArray(x))
    throw jqError(`${describeValue(x)} and ${describeValue(keys)} cannot be sorted, as they are not both arrays`);
  const order = sortByKeys(
    x.map((_, i) => i),
    keys,
  );
  const groups: Json[][] = [];
  let lastKey: Json | undefined;
  for (const i of order) {
    const key = keys[i] ?? null;
    const item = x[i] ?? null;
    const current = groups[groups.length - 1];
    if (current !== undefined && lastKey !== undefined && equals(lastKey, key)) current.push(item);
    else groups.push([item]);
    lastKey = key;
  }
  return groups;
}

/** jq's `minmax_by`: the first minimum, the last maximum. */
function minMaxBy(values: Json, keys: Json, isMin: boolean): Json {
  if (!Array.isArray(values) || !Array.isArray(keys))
    throw jqError(`${describeValue(values)} and ${describeValue(keys)} cannot be iterated over`);
  if (values.length === 0) return null;
  let best = values[0] ?? null;
  let bestKey = keys[0] ?? null;
  for (let i = 1; i < values.length; i++) {
    const key = keys[i] ?? null;
    if (compare(key, bestKey) < 0 === isMin) {
      best = values[i] ?? null;
      bestKey = key;
    }
  }
  return best;
}

/** `any(gen; cond)` / `all(gen; cond)`, stopping at the first decisive condition output as jq's `isempty(first(...))` does. */
function anyAll(gen: Compiled | null, cond: Compiled, isAny: boolean): Builtin {
  return () =>
    fromFn((x, env) => {
      const stop = new Stop();
      let decided = false;
      const check = (v: Json): void =>
        each(cond, v, env, (c) => {
          if (isTruthy(c) === isAny) {
            decided = true;
            throw stop;
          }
        });
      try {
        if (gen === null) for (const v of iterationValues(x)) check(v);
        else each(gen, x, env, check);
      } catch (error) {
        if (error !== stop) throw error;
      }
      return isAny ? decided : !decided;
    });
}

const IDENTITY: Compiled = fromFn(
  (x) => x,
  (x, p, _env, emit) => emit(x, p),
);

function limit(n: Compiled, f: Compiled): Compiled {
  return fromGen((x, env, emit) =>
    each(n, x, env, (count) => {
      if (typeof count !== "number") throw defer("limit with a non-number count");
      if (count <= 0) {
        if (count < 0) each(f, x, env, emit);
        return;
      }
      const stop = new Stop();
      let remaining = count;
      try {
        each(f, x, env, (v) => {
          remaining -= 1;
          emit(v);
          if (remaining <= 0) throw stop;
        });
      } catch (error) {
        if (error !== stop) throw error;
      }
    }),
  );
}

/** Past this many outputs a range is left to jq-wasm (which runs out of memory on `[range(1e16)]`). */
const RANGE_LIMIT = 10_000_000;

function range(from: Json, upto: Json, by: Json, emit: (v: Json) => void): void {
  if (typeof from !== "number" || typeof upto !== "number" || typeof by !== "number")
    throw defer("range with non-number bounds");
  let count = 0;
  const next = (i: number): void => {
    if (++count > RANGE_LIMIT) throw defer("a range of more than ten million numbers");
    emit(i);
  };
  if (by > 0) for (let i = from; i < upto; i += by) next(i);
  else if (by < 0) for (let i = from; i > upto; i += by) next(i);
}

/** `.[] |= f` as jq-wasm runs it: each value becomes f's first output; values where f is empty are deleted at the end. */
function mapValues(f: Compiled): Compiled {
  return fromFn((x, env) => {
    if (Array.isArray(x)) {
      const out: (Json | undefined)[] = x.map((v) => firstOf(f, v, env));
      return out.filter((v): v is Json => v !== undefined);
    }
    if (isObject(x)) {
      const out: JsonObject = {};
      for (const key of Object.keys(x)) {
        const v = firstOf(f, x[key] ?? null, env);
        if (v !== undefined) setField(out, key, v);
      }
      return out;
    }
    iterationValues(x);
    return x;
  });
}

function pathsOf(f: Compiled, x: Json, env: Env): Json[][] {
  const gen = needPath(f, "path");
  const out: Json[][] = [];
  gen(x, [], env, (_v, p) => out.push(p));
  return out;
}

/** `delpaths`: jq sorts the paths and deletes from the last, so earlier indices stay valid. */
function deletePaths(x: Json, paths: Json[][]): Json {
  if (paths.length === 0) return x;
  const sorted = sortByKeys(paths, paths);
  if ((sorted[0] ?? []).length === 0) return null;
  let result = x;
  for (let i = sorted.length - 1; i >= 0; i--) result = deletePath(result, sorted[i] ?? []);
  return result;
}

function deletePath(x: Json, path: Json[]): Json {
  if (x === null) return null;
  const [key, ...rest] = path;
  if (key === undefined) return x;
  if (rest.length > 0) {
    const child = index(x, key);
    if (child === null) return x;
    const updated = deletePath(child, rest);
    if (Array.isArray(x) && typeof key === "number" && Number.isInteger(key)) {
      const i = key < 0 ? key + x.length : key;
      if (i < 0 || i >= x.length) throw defer("del of a path beyond an array");
      const copy = [...x];
      copy[i] = updated;
      return copy;
    }
    if (isObject(x) && typeof key === "string") {
      const copy: JsonObject = { ...x };
      setField(copy, key, updated);
      return copy;
    }
    throw defer("del with an unusual path");
  }
  if (Array.isArray(x) && typeof key === "number" && Number.isInteger(key)) {
    const i = key < 0 ? key + x.length : key;
    return i >= 0 && i < x.length ? x.filter((_, j) => j !== i) : x;
  }
  if (isObject(x) && typeof key === "string") {
    const copy: JsonObject = {};
    for (const k of Object.keys(x)) if (k !== key) setField(copy, k, x[k] ?? null);
    return copy;
  }
  throw defer("del with an unusual path");
}

function recurseWith(f: Compiled): Compiled {
  const walk = (x: Json, env: Env, emit: (v: Json) => void): void => {
    emit(x);
    each(f, x, env, (y) => walk(y, env, emit));
  };
  const fpath = f.path;
  const walkPath: PathGen | null =
    fpath === null
      ? null
      : (x, p, env, emit) => {
          emit(x, p);
          fpath(x, p, env, (y, yp) => walkPath?.(y, yp, env, emit));
        };
  return fromGen(walk, walkPath);
}

export const COLLECTION_BUILTINS: Readonly<Record<string, Builtin>> = {
  "select/1": (args) => {
    const f = arg(args, 0);
    return fromGen(
      (x, env, emit) => each(f, x, env, (c) => (isTruthy(c) ? emit(x) : undefined)),
      (x, p, env, emit) => each(f, x, env, (c) => (isTruthy(c) ? emit(x, p) : undefined)),
    );
  },
  "map/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => {
      const out: Json[] = [];
      for (const v of iterationValues(x)) each(f, v, env, (y) => out.push(y));
      return out;
    });
  },
  "map_values/1": (args) => mapValues(arg(args, 0)),
  "with_entries/1": (args) => {
    const f = arg(args, 0);
    const toEntries = (x: Json): Json[] => {
      if (isObject(x)) return Object.keys(x).map((k) => ({ key: k, value: x[k] ?? null }));
      if (Array.isArray(x)) return x.map((v, i) => ({ key: i, value: v }));
      throw jqError(`${describeValue(x)} has no keys`);
    };
    return fromGen((x, env, emit) => {
      const mapped: Json[] = [];
      for (const e of toEntries(x)) each(f, e, env, (y) => mapped.push(y));
      emit(fromEntries(mapped));
    });
  },
  "sort/0": () =>
    fromFn((x) => {
      if (!Array.isArray(x)) throw jqError(`${describeValue(x)} cannot be sorted, as it is not an array`);
      return sortByKeys(x, x);
    }),
  "sort_by/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => sortedBy(x, keysBy(f, x, env)));
  },
  "group_by/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => groupBy(x, keysBy(f, x, env)));
  },
  "unique/0": () => fromFn((x, env) => groupBy(x, keysBy(IDENTITY, x, env)).map((g) => g[0] ?? null)),
  "unique_by/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => groupBy(x, keysBy(f, x, env)).map((g) => g[0] ?? null));
  },
  "min/0": () => fromFn((x) => minMaxBy(x, x, true)),
  "max/0": () => fromFn((x) => minMaxBy(x, x, false)),
  "min_by/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => minMaxBy(x, keysBy(f, x, env), true));
  },
  "max_by/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => minMaxBy(x, keysBy(f, x, env), false));
  },
  "any/0": anyAll(null, IDENTITY, true),
  "all/0": anyAll(null, IDENTITY, false),
  "any/1": (args, ctx) => anyAll(null, arg(args, 0), true)(args, ctx),
  "all/1": (args, ctx) => anyAll(null, arg(args, 0), false)(args, ctx),
  "any/2": (args, ctx) => anyAll(arg(args, 0), arg(args, 1), true)(args, ctx),
  "all/2": (args, ctx) => anyAll(arg(args, 0), arg(args, 1), false)(args, ctx),
  "first/1": (args) => {
    const f = arg(args, 0);
    return fromGen((x, env, emit) => {
      const v = firstOf(f, x, env);
      if (v !== undefined) emit(v);
    });
  },
  "last/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => {
      let last: Json = null;
      each(f, x, env, (v) => {
        last = v;
      });
      return last;
    });
  },
  "isempty/1": (args) => {
    const f = arg(args, 0);
    return fromFn((x, env) => firstOf(f, x, env) === undefined);
  },
  "limit/2": (args) => limit(arg(args, 0), arg(args, 1)),
  "range/1": (args) => {
    const upto = arg(args, 0);
    return fromGen((x, env, emit) => each(upto, x, env, (u) => range(0, u, 1, emit)));
  },
  "range/2": (args) => {
    const from = arg(args, 0);
    const upto = arg(args, 1);
    return fromGen((x, env, emit) => each(from, x, env, (f) => each(upto, x, env, (u) => range(f, u, 1, emit))));
  },
  "range/3": (args) => {
    const [from, upto, by] = [arg(args, 0), arg(args, 1), arg(args, 2)];
    return fromGen((x, env, emit) =>
      each(from, x, env, (f) => each(upto, x, env, (u) => each(by, x, env, (b) => range(f, u, b, emit)))),
    );
  },
  // `recurse` is `recurse(.[]?)`, which is what `..` does.
  "recurse/0": () => recurseDefault(),
  "recurse/1": (args) => recurseWith(arg(args, 0)),
  "path/1": (args) => {
    const gen = needPath(arg(args, 0), "path");
    return fromGen((x, env, emit) => gen(x, [], env, (_v, p) => emit(p)));
  },
  "paths/0": () => fromGen((x, _env, emit) => allPaths(x, [], (_v, p) => (p.length > 0 ? emit(p) : undefined))),
  "paths/1": (args) => {
    const f = arg(args, 0);
    return fromGen((x, env, emit) =>
      allPaths(x, [], (v, p) => {
        if (p.length === 0) return;
        each(f, v, env, (c) => (isTruthy(c) ? emit(p) : undefined));
      }),
    );
  },
  "del/1": (args) => {
    const f = arg(args, 0);
    needPath(f, "del");
    return fromFn((x, env) => deletePaths(x, pathsOf(f, x, env)));
  },
};
