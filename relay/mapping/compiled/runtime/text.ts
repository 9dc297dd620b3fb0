import type { Json } from "../../engine";
import { canonicalDecimal } from "./decimal";
import { defer } from "./signals";

/** jq's kind names, as its messages use them. */
export function kindName(value: Json): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
    default:
      return Array.isArray(value) ? "array" : "object";
  }
}

/**
 * A number as jq 1.7.1 prints it. jq prints a number it computed with its dtoa (`1e+17`, `1e-05`) and a number
 * it read (from the input or a literal) by its decimal literal (`100000000000000000`, `0.00001`). The two agree
 * for most numbers; where they do not, the compiled engine cannot know which one jq holds and defers to jq-wasm.
 */
export function numberText(x: number): string {
  if (Number.isInteger(x) && x < 1e15 && x > -1e15) {
    return x === 0 && Object.is(x, -0) ? "-0" : String(x);
  }
  if (Number.isNaN(x)) return "null";
  if (x === Infinity) return "1.7976931348623157e+308";
  if (x === -Infinity) return "-1.7976931348623157e+308";
  const computed = dtoaText(x);
  if (computed !== canonicalDecimal(String(x)))
    throw defer(`number ${computed} prints differently when read or computed`);
  return computed;
}

/** jq's `jvp_dtoa_fmt`: shortest round-trip digits, exponent form when the decimal point is far out. */
function dtoaText(x: number): string {
  const sign = x < 0 ? "-" : "";
  const [mantissa = "0", exponent = "0"] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const decpt = Number(exponent) + 1;
  const n = digits.length;
  if (decpt <= -4 || decpt > n + 15) {
    const e = decpt - 1;
    const abs = Math.abs(e);
    return `${sign}${digits[0] ?? "0"}${n > 1 ? `.${digits.slice(1)}` : ""}e${e < 0 ? "-" : "+"}${abs < 10 ? "0" : ""}${abs}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= n) return sign + digits + "0".repeat(decpt - n);
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f]/;

/** A string as jq dumps it: only `"`, `\` and control characters escaped, the rest raw; `\u` escapes in lower case. */
export function stringText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c !== 0x7f) out += s[i];
    else if (c === 0x08) out += "\\b";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0c) out += "\\f";
    else if (c === 0x0d) out += "\\r";
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

/** jq's `MAX_PRINT_DEPTH`: a value inside more containers than this is printed as `<skipped: too deep>`. */
const MAX_PRINT_DEPTH = 256;

/** `tojson`: the compact text jq prints, keys in insertion order, cut as jq cuts it past 256 levels. */
export function dump(value: Json): string {
  return dumpAt(value, 0);
}

/** @param depth how many containers hold `value` */
function dumpAt(value: Json, depth: number): string {
  if (depth > MAX_PRINT_DEPTH) return "<skipped: too deep>";
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return numberText(value);
    case "string":
      return stringText(value);
    default:
      break;
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += dumpAt(value[i] ?? null, depth + 1);
    }
    return `${out}]`;
  }
  let out = "{";
  let first = true;
  for (const key of Object.keys(value)) {
    if (!first) out += ",";
    first = false;
    out += `${stringText(key)}:${dumpAt(value[key] ?? null, depth + 1)}`;
  }
  return `${out}}`;
}

/** `tostring`: strings as they are, everything else as its JSON text. */
export function toText(value: Json): string {
  return typeof value === "string" ? value : dump(value);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * jq's `jv_dump_string_trunc` as its type errors use it: the dump cut to `size - 1` bytes, the last three
 * replaced by `...`. jq cuts bytes, so it can split a character; then the message is left to jq-wasm.
 */
export function dumpTruncated(value: Json, size = 15): string {
  const text = dump(value);
  if (text.length < (size - 1) / 4) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= size - 1) return text;
  const keep = size - 4;
  const next = bytes[keep] ?? 0;
  if ((next & 0xc0) === 0x80) throw defer("a jq message would cut a character in two");
  return `${decoder.decode(bytes.subarray(0, keep))}...`;
}

/** `kind (value)`, the way jq names a value in its type errors. */
export function describeValue(value: Json): string {
  return `${kindName(value)} (${dumpTruncated(value)})`;
}
