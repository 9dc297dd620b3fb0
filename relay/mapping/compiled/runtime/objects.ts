import type { Json, JsonObject } from "../../engine";
import { defer } from "./signals";

export { isJsonObject as isObject, type JsonObject } from "../../engine";

/**
 * A field of an object, or null. Only own properties count: `.constructor` of `{}` is null in jq, and a plain
 * object would find Object.prototype's.
 */
export function getField(object: JsonObject, key: string): Json {
  const value = object[key];
  if (value === undefined) return null;
  if (typeof value === "function" || key === "__proto__")
    return Object.hasOwn(object, key) ? (object[key] ?? null) : null;
  return value;
}

const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

function isIndexKey(key: string): boolean {
  return INDEX_KEY.test(key) && Number(key) < 4294967295;
}

/**
 * Sets a key keeping jq's insertion order. JavaScript objects list array-index keys (`"2"`) first, so inserting
 * one after other keys would reorder the object: that case is left to jq-wasm (it is rare in mappings, and jq's
 * order shows in `keys_unsorted`, `to_entries` and `tojson`).
 */
export function setField(object: JsonObject, key: string, value: Json): void {
  const code = key.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39 && isIndexKey(key) && !Object.hasOwn(object, key)) {
    const k = Number(key);
    for (const existing of Object.keys(object)) {
      if (!isIndexKey(existing) || Number(existing) >= k) throw defer("an array-index-like key inserted out of order");
    }
  }
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}

export function copyObject(object: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(object)) {
    if (key === "__proto__") setField(copy, key, object[key] ?? null);
    else copy[key] = object[key] ?? null;
  }
  return copy;
}
