import type { Json } from "../../../relay/mapping/engine";

/** A small deterministic PRNG (LCG), so the generated corpus is the same on every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const STRINGS = [
  "",
  "a",
  "abc",
  "A b C",
  "é",
  "日本",
  "😀x",
  "a,b",
  "  x  ",
  "MERGED",
  "2015-03-05T23:51:47Z",
  "12",
  "-0.5",
  "~key",
  "a\nb",
  '"q"',
  "\\",
  "\u0000",
  "null",
  "true",
];
const KEYS = [
  "a",
  "b",
  "id",
  "key",
  "value",
  "name",
  "title",
  "x y",
  "é",
  "",
  "links",
  "self",
  "state",
  "1",
  "__proto__",
  "constructor",
];
const NUMBERS = [
  0,
  1,
  -1,
  2,
  0.5,
  -2.5,
  3.14159,
  100,
  1e3,
  1e15,
  1e16,
  1e17,
  1e21,
  1e-5,
  1e-7,
  123456789,
  1747730324792,
  1747730324.792,
  2 ** 53,
  -1e300,
];

/**
 * Random JSON values of every kind (nested arrays and objects, unicode, tricky keys, numbers of every magnitude),
 * for the differential suite's generated-inputs test.
 * @param count how many values
 * @param seed the generator's seed
 */
export function randomInputs(count: number, seed: number): Json[] {
  const random = lcg(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const value = (depth: number): Json => {
    const r = random();
    if (depth > 2 || r < 0.45) {
      const s = random();
      if (s < 0.1) return null;
      if (s < 0.2) return random() < 0.5;
      if (s < 0.55) return pick(NUMBERS);
      return pick(STRINGS);
    }
    if (r < 0.7) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    const object: { [key: string]: Json } = {};
    for (let i = Math.floor(random() * 4); i > 0; i--) {
      Object.defineProperty(object, pick(KEYS), {
        value: value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return object;
  };
  return Array.from({ length: count }, () => value(0));
}

/**
 * Variants of a payload with fields dropped, nulled or replaced by random values of other kinds, at every depth:
 * what a mapping meets when Bitbucket omits a field or a user maps the wrong kind.
 */
export function payloadVariants(payload: Json, count: number, seed: number): Json[] {
  const random = lcg(seed);
  const replacements = randomInputs(64, seed + 1);
  const mutate = (value: Json, depth: number): Json => {
    if (Array.isArray(value)) return value.map((v) => mutate(v, depth + 1));
    if (typeof value !== "object" || value === null) return value;
    const out: { [key: string]: Json } = {};
    for (const [key, v] of Object.entries(value)) {
      const r = random();
      if (r < 0.08) continue;
      const next =
        r < 0.14
          ? null
          : r < 0.22
            ? (replacements[Math.floor(random() * replacements.length)] ?? null)
            : mutate(v, depth + 1);
      Object.defineProperty(out, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return Array.from({ length: count }, () => mutate(payload, 0));
}
