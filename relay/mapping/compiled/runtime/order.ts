import type { Json } from "../../engine";

/** jq's order of kinds: null < false < true < numbers < strings < arrays < objects. */
function rank(value: Json): number {
  if (value === null) return 0;
  switch (typeof value) {
    case "boolean":
      return value ? 2 : 1;
    case "number":
      return 3;
    case "string":
      return 4;
    default:
      return Array.isArray(value) ? 5 : 6;
  }
}

/**
 * Strings in jq compare by their UTF-8 bytes, which is code point order. JavaScript compares UTF-16 code units,
 * which differs only when a surrogate (an astral character) meets a character in U+E000–U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return fixup(x) - fixup(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

function fixup(unit: number): number {
  // Surrogates (D800–DFFF) encode code points above FFFF: move them above E000–FFFF.
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/** jq 1.7.1 `jv_cmp`: negative, zero or positive. NaN sorts below every number, itself included. */
export function compare(a: Json, b: Json): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 3: {
      const x = a as number;
      const y = b as number;
      if (Number.isNaN(x)) return -1;
      if (Number.isNaN(y)) return 1;
      return x < y ? -1 : x === y ? 0 : 1;
    }
    case 4:
      return compareStrings(a as string, b as string);
    case 5: {
      const x = a as Json[];
      const y = b as Json[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const r = compare(x[i] ?? null, y[i] ?? null);
        if (r !== 0) return r;
      }
      return x.length - y.length;
    }
    case 6: {
      const x = a as { [key: string]: Json };
      const y = b as { [key: string]: Json };
      const kx = sortedKeys(x);
      const ky = sortedKeys(y);
      const n = Math.min(kx.length, ky.length);
      for (let i = 0; i < n; i++) {
        const r = compareStrings(kx[i] ?? "", ky[i] ?? "");
        if (r !== 0) return r;
      }
      if (kx.length !== ky.length) return kx.length - ky.length;
      for (const key of kx) {
        const r = compare(x[key] ?? null, y[key] ?? null);
        if (r !== 0) return r;
      }
      return 0;
    }
    default:
      return 0;
  }
}

export function equals(a: Json, b: Json): boolean {
  if (a === b) return typeof a !== "number" || !Number.isNaN(a);
  if (typeof a !== "object" || typeof b !== "object") return false;
  return compare(a, b) === 0;
}

export function sortedKeys(object: { [key: string]: Json }): string[] {
  return Object.keys(object).sort(compareStrings);
}

/** A stable sort by jq's order (jq sorts with an index tie-break, so equal items keep their order). */
export function sortByKeys<T>(items: T[], keys: Json[]): T[] {
  const order = items.map((_, i) => i);
  order.sort((i, j) => compare(keys[i] ?? null, keys[j] ?? null) || i - j);
  return order.map((i) => items[i] as T);
}
