import type { Node, ObjectPatternEntry, Pattern } from "./ast";
import type { Lexer } from "./lexer";
import { describe } from "./parse-helpers";
import { Unsupported } from "./unsupported";

/** What pattern parsing needs from the parser. */
export interface PatternHost {
  readonly lexer: Lexer;
  pipe(): Node;
  isPunct(text: string): boolean;
  expectPunct(text: string): void;
  stringBody(format: null): Node;
}

/** Destructuring patterns of `as`, `reduce` and `foreach`: `$x`, `[p, ...]`, `{$a, b: p, "c": p, (e): p}`. */
export function parsePattern(parser: PatternHost): Pattern {
  const token = parser.lexer.next();
  if (token.kind === "var") {
    if (token.name === "__loc__" || token.name === "ENV") throw new Unsupported(`$${token.name} as a pattern`);
    return { kind: "var", name: token.name };
  }
  if (token.kind === "punct" && token.text === "[") {
    const items: Pattern[] = [];
    for (;;) {
      items.push(parsePattern(parser));
      const sep = parser.lexer.next();
      if (sep.kind === "punct" && sep.text === ",") continue;
      if (sep.kind === "punct" && sep.text === "]") break;
      throw new Unsupported("bad array pattern");
    }
    return { kind: "array", items };
  }
  if (token.kind === "punct" && token.text === "{") {
    const entries: ObjectPatternEntry[] = [];
    for (;;) {
      entries.push(objectPatternEntry(parser));
      const sep = parser.lexer.next();
      if (sep.kind === "punct" && sep.text === ",") continue;
      if (sep.kind === "punct" && sep.text === "}") break;
      throw new Unsupported("bad object pattern");
    }
    return { kind: "object", entries };
  }
  throw new Unsupported(`unexpected ${describe(token)} in a pattern`);
}

function objectPatternEntry(parser: PatternHost): ObjectPatternEntry {
  const token = parser.lexer.next();
  if (token.kind === "var") {
    if (token.name === "__loc__" || token.name === "ENV") throw new Unsupported(`$${token.name} in a pattern`);
    if (parser.isPunct(":")) {
      parser.lexer.next();
      return { kind: "var", name: token.name, pattern: parsePattern(parser) };
    }
    return { kind: "var", name: token.name, pattern: null };
  }
  let key: Node;
  if (token.kind === "ident" || token.kind === "keyword") key = { kind: "literal", value: token.name };
  else if (token.kind === "string-open") key = parser.stringBody(null);
  else if (token.kind === "punct" && token.text === "(") {
    key = parser.pipe();
    parser.expectPunct(")");
  } else throw new Unsupported(`unexpected ${describe(token)} in an object pattern`);
  parser.expectPunct(":");
  return { kind: "key", key, pattern: parsePattern(parser) };
}
