import type { Json } from "../../engine";
import { getField, isObject, type JsonObject } from "./objects";
import { equals } from "./order";
import { defer, jqError } from "./signals";
import { codepointLength, sliceCodepoints } from "./strings";
import { describeValue, kindName } from "./text";

/** A string inserted with C's `%s`: raw (no escaping), and cut at the first NUL. */
export function cString(s: string): string {
  const nul = s.indexOf("\u0000");
  return nul < 0 ? s : s.slice(0, nul);
}

function indexError(target: Json, key: Json): never {
  if (typeof key === "string") throw jqError(`Cannot index ${kindName(target)} with string "${cString(key)}"`);
  throw jqError(`Cannot index ${kindName(target)} with ${kindName(key)}`);
}

/** C's `(int)` conversion of an index: beyond int range (or NaN) the result is undefined, so jq-wasm decides. */
function toInt(x: number): number {
  if (!(x > -2147483648 && x < 2147483648)) throw defer("an index beyond the int range");
  return Math.trunc(x);
}

/** `.[key]` (jq 1.7.1 `jv_get`). */
export function index(target: Json, key: Json): Json {
  if (typeof key === "string") {
    if (isObject(target)) return getField(target, key);
    if (target === null) return null;
    return indexError(target, key);
  }
  if (typeof key === "number") {
    if (Array.isArray(target)) {
      let i = toInt(key);
      if (i < 0) i += target.length;
      return i >= 0 && i < target.length ? (target[i] ?? null) : null;
    }
    if (target === null) return null;
    return indexError(target, key);
  }
  if (isObject(key)) {
    if (target === null) return null;
    if (Array.isArray(target) || typeof target === "string") {
      return slice(target, getField(key, "start"), getField(key, "end"));
    }
    return indexError(target, key);
  }
  if (Array.isArray(key) && Array.isArray(target)) return arrayIndices(target, key);
  return indexError(target, key);
}

/** `.[from:to]` on arrays and strings (code points); null gives null. */
export function slice(target: Json, from: Json, to: Json): Json {
  if (target === null) return null;
  if (!Array.isArray(target) && typeof target !== "string") {
    return indexError(target, { start: from, end: to });
  }
  const len = Array.isArray(target) ? target.length : codepointLength(target);
  const start = from === null ? 0 : from;
  const end = to === null ? len : to;
  if (typeof start !== "number" || typeof end !== "number") {
    throw jqError("Start and end indices of an array slice must be numbers");
  }
  if (Number.isNaN(start) || Number.isNaN(end)) throw defer("a slice with NaN bounds");
  // jq 1.7.1's parse_slice, step by step: the start is clamped and rounded down first, then the end is rounded up
  // and never taken below the rounded start (`.[1.2:0]` is `.[1:1]`, empty).
  let dstart = start < 0 ? start + len : start;
  if (dstart < 0) dstart = 0;
  if (dstart > len) dstart = len;
  const si = Math.trunc(dstart);
  let dend = end < 0 ? end + len : end;
  if (dend < 0) dend = si;
  let ei = dend > INT_MAX ? INT_MAX : Math.trunc(dend);
  if (ei > len) ei = len;
  if (ei < len && ei < dend) ei += 1;
  if (ei < si) ei = si;
  return Array.isArray(target) ? target.slice(si, ei) : sliceCodepoints(target, si, ei);
}

/** C's INT_MAX: jq converts slice bounds to int. */
const INT_MAX = 2_147_483_647;

/** `.[array]` on an array: the start offsets where the subarray occurs. */
function arrayIndices(target: Json[], needle: Json[]): Json {
  if (needle.length === 0) return null;
  const out: Json[] = [];
  for (let i = 0; i + needle.length <= target.length; i++) {
    let match = true;
    for (let j = 0; j < needle.length; j++) {
      if (!equals(target[i + j] ?? null, needle[j] ?? null)) {
        match = false;
        break;
      }
    }
    if (match) out.push(i);
  }
  return out;
}

export function iterateError(target: Json): never {
  throw jqError(`Cannot iterate over ${describeValue(target)}`);
}

/** The values `.[]` produces. */
export function iterationValues(target: Json): readonly Json[] {
  if (Array.isArray(target)) return target;
  if (isObject(target)) return Object.values(target);
  return iterateError(target);
}

export function has(target: Json, key: Json): boolean {
  if (target === null) return false;
  if (isObject(target) && typeof key === "string") return Object.hasOwn(target, key);
  if (Array.isArray(target) && typeof key === "number") {
    if (Number.isNaN(key)) throw defer("has(nan)");
    return key >= 0 && key < target.length;
  }
  throw jqError(`Cannot check whether ${kindName(target)} has a ${kindName(key)} key`);
}

export function keysOf(target: Json, sorted: boolean, compareKeys: (a: string, b: string) => number): Json[] {
  if (isObject(target)) {
    const keys = Object.keys(target);
    return sorted ? keys.sort(compareKeys) : keys;
  }
  if (Array.isArray(target)) return target.map((_, i) => i);
  throw jqError(`${describeValue(target)} has no keys`);
}

export function lengthOf(target: Json): Json {
  if (target === null) return 0;
  if (typeof target === "boolean") throw jqError(`${describeValue(target)} has no length`);
  if (typeof target === "number") return Math.abs(target);
  if (typeof target === "string") return codepointLength(target);
  if (Array.isArray(target)) return target.length;
  return Object.keys(target as JsonObject).length;
}
