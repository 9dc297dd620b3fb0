/** A JSON value: what JSON text parses to, and all the mapping's jq ever sees or makes. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON text as a typed value. `JSON.parse` can return nothing but JSON values, so its result is {@link Json} by
 * construction: this is the one place that says so, instead of a cast wherever text is parsed.
 * @throws SyntaxError when the text is not JSON
 */
export function parseJson(text: string): Json {
  return JSON.parse(text);
}

/**
 * A value from outside typed code (a YAML document, a webhook payload) copied as {@link Json}: what JSON has no value
 * for (undefined, a function, a bigint, a symbol) becomes null, as in an array written by `JSON.stringify`.
 *
 * The walk keeps its own stack rather than recursing: a signed payload may nest 10,000 levels deep, which would
 * overflow the call stack. Keys are defined, not assigned, so a `__proto__` key stays data.
 * @param text rewrites an object's string field (the key names it); a string stays as it is without it
 */
export function jsonOf(value: unknown, text?: (key: string, value: string) => Json): Json {
  if (value === null || typeof value !== "object") return leaf(value);
  const root = emptyLike(value);
  const work: [source: object, target: Json[] | { [key: string]: Json }][] = [[value, root]];
  for (let next = work.pop(); next !== undefined; next = work.pop()) {
    const [source, target] = next;
    const sourceIsArray = Array.isArray(source);
    for (const [key, field] of Object.entries(source)) {
      let converted: Json;
      if (field !== null && typeof field === "object") {
        const child = emptyLike(field);
        work.push([field, child]);
        converted = child;
      } else if (!sourceIsArray && text !== undefined && typeof field === "string") {
        converted = text(key, field);
      } else {
        converted = leaf(field);
      }
      Object.defineProperty(target, key, { value: converted, writable: true, enumerable: true, configurable: true });
    }
  }
  return root;
}

function leaf(value: unknown): Json {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) {
    return value;
  }
  return null;
}

function emptyLike(value: object): Json[] | { [key: string]: Json } {
  return Array.isArray(value) ? [] : {};
}
