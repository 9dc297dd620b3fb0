import type { Json } from "../../engine";
import { copyObject, isObject, type JsonObject, setField } from "./objects";
import { equals } from "./order";
import { defer, jqError } from "./signals";
import { splitString } from "./strings";
import { describeValue } from "./text";

function binaryError(a: Json, b: Json, what: string): never {
  throw jqError(`${describeValue(a)} and ${describeValue(b)} ${what}`);
}

/** jq's `+`: null is the identity; numbers add; strings and arrays concatenate; objects merge (right wins). */
export function add(a: Json, b: Json): Json {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (typeof a === "string" && typeof b === "string") return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return a.concat(b);
  if (isObject(a) && isObject(b)) {
    const merged = copyObject(a);
    for (const key of Object.keys(b)) setField(merged, key, b[key] ?? null);
    return merged;
  }
  return binaryError(a, b, "cannot be added");
}

export function subtract(a: Json, b: Json): Json {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (Array.isArray(a) && Array.isArray(b)) return a.filter((x) => !b.some((y) => equals(x, y)));
  return binaryError(a, b, "cannot be subtracted");
}

export function multiply(a: Json, b: Json): Json {
  if (typeof a === "number" && typeof b === "number") return a * b;
  if ((typeof a === "string" && typeof b === "number") || (typeof a === "number" && typeof b === "string")) {
    const text = typeof a === "string" ? a : (b as string);
    const times = typeof a === "number" ? a : (b as number);
    // jq 1.7.1: a negative or NaN count gives null, otherwise the count is truncated (0.5 gives "").
    if (times < 0 || Number.isNaN(times)) return null;
    const n = Math.floor(times);
    if (n * text.length > 10_000_000) throw defer("a very large string repetition");
    return text.repeat(n);
  }
  if (isObject(a) && isObject(b)) return deepMerge(a, b);
  return binaryError(a, b, "cannot be multiplied");
}

function deepMerge(a: JsonObject, b: JsonObject): JsonObject {
  const merged = copyObject(a);
  for (const key of Object.keys(b)) {
    const left = Object.hasOwn(merged, key) ? (merged[key] ?? null) : null;
    const right = b[key] ?? null;
    setField(merged, key, isObject(left) && isObject(right) ? deepMerge(left, right) : right);
  }
  return merged;
}

export function divide(a: Json, b: Json): Json {
  if (typeof a === "number" && typeof b === "number") {
    if (b === 0) binaryError(a, b, "cannot be divided because the divisor is zero");
    return a / b;
  }
  if (typeof a === "string" && typeof b === "string") return splitString(a, b);
  return binaryError(a, b, "cannot be divided");
}

const INT64 = 9.223372036854776e18;

/** jq 1.7.1's `%` truncates both sides to integers (C's intmax_t) and keeps C's sign rule. */
export function modulo(a: Json, b: Json): Json {
  if (typeof a === "number" && typeof b === "number") {
    // Beyond int64 (or NaN) the C conversion is undefined: jq-wasm decides.
    if (!(Math.abs(a) < INT64 && Math.abs(b) < INT64)) throw defer("% beyond the 64-bit integer range");
    const divisor = Math.trunc(b);
    if (divisor === 0) binaryError(a, b, "cannot be divided (remainder) because the divisor is zero");
    const r = Math.trunc(a) % divisor;
    return r === 0 ? 0 : r;
  }
  return binaryError(a, b, "cannot be divided (remainder)");
}

export function negate(a: Json): Json {
  if (typeof a === "number") return -a;
  throw jqError(`${describeValue(a)} cannot be negated`);
}
