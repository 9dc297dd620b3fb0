import { parseJson } from "../../../../shared/json";
import type { Json } from "../../engine";
import { type Builtin, fromGen, isTruthy } from "../compiled-types";
import { has, index, iterationValues, keysOf, lengthOf } from "../runtime/access";
import { add } from "../runtime/arithmetic";
import { canonicalDecimal } from "../runtime/decimal";
import { isObject, type JsonObject, setField } from "../runtime/objects";
import { compareStrings, equals } from "../runtime/order";
import { defer, JqRuntimeError, jqError } from "../runtime/signals";
import { explode, implode, stringIndices, utf8Length } from "../runtime/strings";
import { describeValue, dump, kindName, toText } from "../runtime/text";
import { each, unary, unsupported, withValues } from "./helpers";

function selectByType(test: (v: Json) => boolean): Builtin {
  return () =>
    fromGen(
      (x, _env, emit) => (test(x) ? emit(x) : undefined),
      (x, p, _env, emit) => (test(x) ? emit(x, p) : undefined),
    );
}

const NUMBER_TEXT = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** `tonumber` of a string: jq parses it as a JSON literal and keeps its text. Only plain literals stay here. */
function parseNumber(text: string): number {
  if (!NUMBER_TEXT.test(text)) throw defer("tonumber of a string that is not a plain number literal");
  const value = Number(text);
  if (!Number.isFinite(value) || canonicalDecimal(text) !== canonicalDecimal(String(value))) {
    throw defer("tonumber of a literal whose text jq preserves");
  }
  return value;
}

function fromJson(x: Json): Json {
  if (typeof x !== "string") throw jqError(`${describeValue(x)} only strings can be parsed`);
  let parsed: Json;
  try {
    parsed = parseJson(x);
  } catch {
    throw defer("fromjson of text that is not strict JSON");
  }
  // Only canonical JSON is certain to mean the same to jq (number literals, key order, escapes).
  if (JSON.stringify(parsed) !== x || /\\u[dD][89abAB]/.test(x)) throw defer("fromjson of non-canonical JSON text");
  const tooDeep = parsingDepthExceeded(x);
  if (tooDeep !== null) {
    throw jqError(`Exceeds depth limit for parsing at line 1, column ${tooDeep} (while parsing '${x}')`);
  }
  return parsed;
}

/** jq's `MAX_PARSING_DEPTH`: its parser refuses to open a container when its stack already holds this many. */
const MAX_PARSING_DEPTH = 256;

/**
 * Where jq's parser stops with "Exceeds depth limit for parsing" in canonical JSON text (one line, no spaces).
 * jq's parser stack holds each open array, and each open object twice while one of its values is parsed (the
 * object and the key), so 256 nested arrays parse but 129 nested objects do not.
 * @returns the 1-based byte column of the bracket that exceeds the limit, or null when the text parses
 */
function parsingDepthExceeded(text: string): number | null {
  // Cheap exit for the usual case: a text with few brackets cannot be deep.
  let brackets = 0;
  for (let i = 0; i < text.length && brackets <= MAX_PARSING_DEPTH / 2; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) brackets++;
  }
  if (brackets <= MAX_PARSING_DEPTH / 2) return null;
  const open: number[] = [];
  let stack = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      if (stack >= MAX_PARSING_DEPTH) return utf8Length(text.slice(0, i)) + 1;
      const weight = c === "[" ? 1 : 2;
      open.push(weight);
      stack += weight;
    } else if (c === "]" || c === "}") stack -= open.pop() ?? 0;
  }
  return null;
}

function reverse(x: Json): Json {
  if (Array.isArray(x)) return [...x].reverse();
  if (x === null) return [];
  // jq 1.7.1: `[.[length - 1 - range(0; length)]]`.
  const n = lengthOf(x);
  if (n === 0) return [];
  return index(x, (n as number) - 1);
}

function flatten(x: Json, depth: number): Json {
  const out: Json[] = [];
  const walk = (v: Json, d: number): void => {
    for (const item of iterationValues(v)) {
      if (Array.isArray(item) && d !== 0) walk(item, d - 1);
      else out.push(item);
    }
  };
  walk(x, depth);
  return out;
}

function toEntries(x: Json): Json {
  const keys = keysOf(x, false, compareStrings);
  return keys.map((k) => ({ key: k, value: index(x, k) }));
}

/** jq 1.7.1: `map({(.key // .Key // .name // .Name): (if has("value") then .value else .Value end)}) | add + {} // {}`. */
export function fromEntries(x: Json): Json {
  const objects: JsonObject[] = [];
  for (const entry of iterationValues(x)) {
    let key: Json = null;
    for (const name of ["key", "Key", "name", "Name"]) {
      key = index(entry, name);
      if (isTruthy(key)) break;
    }
    const value = has(entry, "value") ? index(entry, "value") : index(entry, "Value");
    if (typeof key !== "string") throw jqError(`Cannot use ${describeValue(key)} as object key`);
    const object: JsonObject = {};
    setField(object, key, value);
    objects.push(object);
  }
  let acc: Json = null;
  for (const o of objects) acc = add(acc, o);
  return add(acc, {}) ?? {};
}

function join(x: Json, separator: Json): Json {
  let acc: Json = null;
  for (const item of iterationValues(x)) {
    const left = acc === null ? "" : add(acc, separator);
    const right = typeof item === "boolean" || typeof item === "number" ? dump(item) : item === null ? "" : item;
    acc = add(left, right);
  }
  return isTruthy(acc) ? acc : "";
}

function contains(a: Json, b: Json, top: boolean): boolean {
  const ka = a === true ? "true" : a === false ? "false" : kindName(a);
  const kb = b === true ? "true" : b === false ? "false" : kindName(b);
  if (ka !== kb) {
    if (top) throw jqError(`${describeValue(a)} and ${describeValue(b)} cannot have their containment checked`);
    return false;
  }
  if (isObject(a) && isObject(b)) {
    return Object.keys(b).every((k) => Object.hasOwn(a, k) && contains(a[k] ?? null, b[k] ?? null, false));
  }
  if (Array.isArray(a) && Array.isArray(b)) return b.every((y) => a.some((x) => contains(x, y, false)));
  if (typeof a === "string" && typeof b === "string") return a.includes(b);
  return equals(a, b);
}

function indices(x: Json, i: Json): Json {
  if (Array.isArray(x) && Array.isArray(i)) return index(x, i);
  if (Array.isArray(x)) return index(x, [i]);
  if (typeof x === "string" && typeof i === "string") return stringIndices(x, i);
  return index(x, i);
}

function getpath(x: Json, path: Json): Json {
  if (path === null) return x;
  if (!Array.isArray(path)) throw jqError("Path must be specified as an array");
  let v = x;
  for (const k of path) {
    if (v === null) {
      // jq keeps indexing null (which yields null) but still rejects keys null cannot be indexed with.
      v = index(null, k);
      continue;
    }
    v = index(v, k);
  }
  return v;
}

function asciiCase(x: Json, lower: boolean): Json {
  if (typeof x !== "string") throw jqError("explode input must be a string");
  return lower ? x.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : x.replace(/[a-z]+/g, (s) => s.toUpperCase());
}

function math(f: (n: number) => number): Builtin {
  return unary((x) => {
    if (typeof x !== "number") throw jqError(`${describeValue(x)} number required`);
    return f(x);
  });
}

export const CORE_BUILTINS: Readonly<Record<string, Builtin>> = {
  // The mapper binds env and $ENV in the program's text (relay/mapping/jq-env.ts), which jq-wasm then serves.
  "env/0": unsupported("env (the mapper binds it to the variables BBRELAY_JQ_ENV names)"),
  "empty/0": () =>
    fromGen(
      () => undefined,
      () => undefined,
    ),
  "error/0": () =>
    fromGen(
      (x) => {
        throw new JqRuntimeError(x);
      },
      (x) => {
        throw new JqRuntimeError(x);
      },
    ),
  "error/1": ([msg]) => {
    if (msg === undefined) throw new Error("error/1 without its argument");
    const raise = (x: Json, env: Parameters<typeof each>[2]): void =>
      each(msg, x, env, (m) => {
        throw new JqRuntimeError(m);
      });
    return fromGen(
      (x, env) => raise(x, env),
      (x, _p, env) => raise(x, env),
    );
  },
  "not/0": unary((x) => !isTruthy(x)),
  "length/0": unary(lengthOf),
  "utf8bytelength/0": unary((x) => {
    if (typeof x !== "string") throw jqError(`${describeValue(x)} only strings have UTF-8 byte length`);
    return utf8Length(x);
  }),
  "type/0": unary(kindName),
  "keys/0": unary((x) => keysOf(x, true, compareStrings)),
  "keys_unsorted/0": unary((x) => keysOf(x, false, compareStrings)),
  "has/1": withValues((x, k) => has(x, k ?? null)),
  "in/1": withValues((x, xs) => has(xs ?? null, x)),
  "contains/1": withValues((x, b) => contains(x, b ?? null, true)),
  "inside/1": withValues((x, xs) => contains(xs ?? null, x, true)),
  "tostring/0": unary(toText),
  "tojson/0": unary(dump),
  "fromjson/0": unary(fromJson),
  "tonumber/0": unary((x) => {
    if (typeof x === "number") return x;
    if (typeof x === "string") return parseNumber(x);
    throw jqError(`${describeValue(x)} cannot be parsed as a number`);
  }),
  "ascii_downcase/0": unary((x) => asciiCase(x, true)),
  "ascii_upcase/0": unary((x) => asciiCase(x, false)),
  "explode/0": unary((x) => {
    if (typeof x !== "string") throw jqError("explode input must be a string");
    return explode(x);
  }),
  "implode/0": unary((x) => {
    if (!Array.isArray(x)) throw jqError("implode input must be an array");
    if (!x.every((c) => typeof c === "number")) throw defer("implode of a non-number");
    return implode(x as number[]);
  }),
  "startswith/1": withValues((x, b) => {
    if (typeof x !== "string" || typeof b !== "string") throw jqError("startswith() requires string inputs");
    return x.startsWith(b);
  }),
  "endswith/1": withValues((x, b) => {
    if (typeof x !== "string" || typeof b !== "string") throw jqError("endswith() requires string inputs");
    return x.endsWith(b);
  }),
  "ltrimstr/1": withValues((x, b) =>
    typeof x === "string" && typeof b === "string" && x.startsWith(b) ? x.slice(b.length) : x,
  ),
  "rtrimstr/1": withValues((x, b) =>
    typeof x === "string" && typeof b === "string" && x.endsWith(b) && b.length > 0
      ? x.slice(0, x.length - b.length)
      : x,
  ),
  "split/1": withValues((x, sep) => {
    if (typeof x !== "string" || typeof sep !== "string") throw jqError("split input and separator must be strings");
    if (x === "") return [];
    if (sep === "") throw defer("split with an empty separator");
    return x.split(sep);
  }),
  "join/1": withValues((x, sep) => join(x, sep ?? null)),
  "indices/1": withValues((x, i) => indices(x, i ?? null)),
  "index/1": withValues((x, i) => index(indices(x, i ?? null), 0)),
  "rindex/1": withValues((x, i) => {
    const all = indices(x, i ?? null);
    if (all === null) return null;
    if (!Array.isArray(all)) return index(all, -1);
    return all.length === 0 ? null : (all[all.length - 1] ?? null);
  }),
  "reverse/0": unary(reverse),
  "flatten/0": unary((x) => flatten(x, -1)),
  "flatten/1": withValues((x, d) => {
    if (typeof d !== "number") throw defer("flatten with a non-number depth");
    if (d < 0) throw jqError("flatten depth must not be negative");
    return flatten(x, d);
  }),
  "to_entries/0": unary(toEntries),
  "from_entries/0": unary(fromEntries),
  "add/0": unary((x) => {
    let acc: Json = null;
    for (const v of iterationValues(x)) acc = add(acc, v);
    return acc;
  }),
  "getpath/1": withValues((x, p) => getpath(x, p ?? null)),
  "first/0": unary((x) => index(x, 0)),
  "last/0": unary((x) => index(x, -1)),
  "floor/0": math(Math.floor),
  "ceil/0": math(Math.ceil),
  "round/0": math((n) => (n < 0 ? -Math.round(-n) : Math.round(n))),
  "fabs/0": math(Math.abs),
  "sqrt/0": math(Math.sqrt),
  "arrays/0": selectByType((v) => Array.isArray(v)),
  "objects/0": selectByType(isObject),
  "iterables/0": selectByType((v) => Array.isArray(v) || isObject(v)),
  "booleans/0": selectByType((v) => typeof v === "boolean"),
  "numbers/0": selectByType((v) => typeof v === "number"),
  "strings/0": selectByType((v) => typeof v === "string"),
  "nulls/0": selectByType((v) => v === null),
  "values/0": selectByType((v) => v !== null),
  "scalars/0": selectByType((v) => !Array.isArray(v) && !isObject(v)),
};
