import type { Json } from "../../engine";
import { defer } from "./signals";

// jq strings are UTF-8 and count code points; JavaScript strings count UTF-16 units. Inputs reaching the
// compiled engine are well formed (an input holding a lone surrogate is run by jq-wasm, see prepare-input.ts, and a
// literal with one is not compiled), so a surrogate here is always half of a pair.

const ASTRAL = /[\ud800-\udbff]/;

export function codepointLength(s: string): number {
  if (!ASTRAL.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** The UTF-16 offset of the code point at `index` (which may be the length). */
function unitOffset(s: string, index: number): number {
  let units = 0;
  for (let cp = 0; cp < index && units < s.length; cp++) {
    const c = s.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return units;
}

export function sliceCodepoints(s: string, start: number, end: number): string {
  if (!ASTRAL.test(s)) return s.slice(start, end);
  const from = unitOffset(s, start);
  return s.slice(from, from + unitOffset(s.slice(from), end - start));
}

/** Code point index of a UTF-16 offset. */
export function codepointIndex(s: string, unitIndex: number): number {
  if (!ASTRAL.test(s)) return unitIndex;
  return codepointLength(s.slice(0, unitIndex));
}

/** `split/1` on strings and `string / string`: jq 1.7.1 `jv_string_split`. */
export function splitString(s: string, separator: string): Json[] {
  if (s === "") return [];
  if (separator === "") return Array.from(s);
  return s.split(separator);
}

export function explode(s: string): Json[] {
  const out: Json[] = [];
  for (const ch of s) out.push(ch.codePointAt(0) ?? 0);
  return out;
}

export function implode(codepoints: readonly number[]): string {
  let out = "";
  for (const cp of codepoints) {
    // jq replaces invalid code points; what it replaces them with is left to jq-wasm.
    if (!Number.isInteger(cp) || cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw defer("implode of an invalid code point");
    }
    out += String.fromCodePoint(cp);
  }
  return out;
}

const encoder = new TextEncoder();

export function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/** Code point offsets of every occurrence of `needle`, overlapping ones included (jq's `_strindices`). */
export function stringIndices(s: string, needle: string): Json[] {
  const out: Json[] = [];
  if (needle === "") return out;
  let from = s.indexOf(needle);
  while (from >= 0) {
    out.push(codepointIndex(s, from));
    from = s.indexOf(needle, from + 1);
  }
  return out;
}
