import type { Json } from "../../engine";
import type { FormatName } from "../ast";
import { defer, jqError } from "./signals";
import { describeValue, dump, toText } from "./text";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Map([...ALPHABET].map((c, i) => [c.charCodeAt(0), i]));

/** `@text`, `@json`, `@base64`, `@base64d`, `@uri` as jq 1.7.1 applies them (non-strings go through `tostring`). */
export function applyFormat(format: FormatName, value: Json): Json {
  switch (format) {
    case "text":
      return toText(value);
    case "json":
      return dump(value);
    case "base64":
      return Buffer.from(encoder.encode(toText(value))).toString("base64");
    case "base64d":
      return base64Decode(value);
    case "uri":
      return uriEncode(toText(value));
  }
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;

function uriEncode(text: string): string {
  if (UNRESERVED.test(text)) return text;
  let out = "";
  for (const byte of encoder.encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** jq's decoder: stops at the first `=`, rejects other non-alphabet bytes, and a single trailing sextet. */
function base64Decode(value: Json): Json {
  const text = toText(value);
  const bytes: number[] = [];
  let code = 0;
  let count = 0;
  for (const ch of text) {
    if (ch === "=") break;
    const sextet = DECODE.get(ch.charCodeAt(0));
    if (sextet === undefined || ch.length !== 1) throw jqError(`${describeValue(text)} is not valid base64 data`);
    code = (code << 6) | sextet;
    count++;
    if (count === 4) {
      bytes.push((code >> 16) & 0xff, (code >> 8) & 0xff, code & 0xff);
      code = 0;
      count = 0;
    }
  }
  if (count === 3) bytes.push((code >> 10) & 0xff, (code >> 2) & 0xff);
  else if (count === 2) bytes.push((code >> 4) & 0xff);
  else if (count === 1) throw jqError(`${describeValue(text)} trailing base64 byte found`);
  try {
    return strictDecoder.decode(new Uint8Array(bytes));
  } catch {
    // jq repairs invalid UTF-8 its own way; jq-wasm shows how.
    throw defer("@base64d produced invalid UTF-8");
  }
}
