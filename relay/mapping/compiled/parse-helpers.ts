import type { FormatName, Node } from "./ast";
import type { Token } from "./lexer";
import { canonicalDecimal } from "./runtime/decimal";
import { Unsupported } from "./unsupported";

const FORMATS: ReadonlySet<string> = new Set<FormatName>(["text", "json", "base64", "base64d", "uri"]);

/**
 * `X?`: after an indexing step (`.a?`, `.[e]?`, `.[]?`, `.[a:b]?`) jq suppresses only that step's error, not the
 * errors of what it indexes; after any other term it is `try X`.
 */
export function optional(node: Node): Node {
  if (
    (node.kind === "field" || node.kind === "index" || node.kind === "slice" || node.kind === "iterate") &&
    node.optional !== true
  ) {
    return { ...node, optional: true };
  }
  return { kind: "try", body: node, handler: null };
}

export function fieldOf(name: string): Node {
  return { kind: "field", target: { kind: "identity" }, name: { kind: "literal", value: name } };
}

export function formatName(name: string): FormatName {
  if (!FORMATS.has(name)) throw new Unsupported(`format @${name}`);
  return name as FormatName;
}

/**
 * jq 1.7.1 keeps a number literal's text and prints it canonically (`1.0` stays `1.0`, `1e2` prints `1E+2`). The
 * compiled engine works with doubles, so it accepts only literals whose canonical text is what it would print
 * for the double anyway; others (and literals beyond the double range) are left to jq-wasm.
 */
export function numberLiteral(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Unsupported(`number literal ${text} beyond the double range`);
  if (canonicalDecimal(text) !== canonicalDecimal(String(value))) {
    throw new Unsupported(`number literal ${text} whose text jq 1.7.1 preserves`);
  }
  return value;
}

export function describe(token: Token): string {
  switch (token.kind) {
    case "punct":
      return `"${token.text}"`;
    case "eof":
      return "end of input";
    case "number":
      return `number ${token.text}`;
    default:
      return token.kind;
  }
}
