import { Unsupported } from "./unsupported";

/**
 * jq's tokens, read on demand: the parser drives the lexer so that string interpolation (`"a\(expr)b"`) can hand
 * control back to the parser in the middle of a string.
 */
export type Token =
  | { kind: "punct"; text: string; at: number }
  | { kind: "field"; name: string; at: number }
  | { kind: "ident"; name: string; at: number }
  | { kind: "keyword"; name: string; at: number }
  | { kind: "var"; name: string; at: number }
  | { kind: "number"; text: string; at: number }
  | { kind: "string-open"; at: number }
  | { kind: "format"; name: string; at: number }
  | { kind: "eof"; at: number };

const KEYWORDS = new Set([
  "def",
  "if",
  "then",
  "elif",
  "else",
  "end",
  "as",
  "reduce",
  "foreach",
  "try",
  "catch",
  "label",
  "import",
  "include",
  "and",
  "or",
  "__loc__",
]);

// Longest first, so that `?//` wins over `?` and `//=` over `//`.
const PUNCTUATION = [
  "?//",
  "//=",
  "|=",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "==",
  "!=",
  "<=",
  ">=",
  "//",
  "..",
  ".",
  "[",
  "]",
  "{",
  "}",
  "(",
  ")",
  "|",
  ",",
  ":",
  ";",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "?",
];

const IDENT = /[a-zA-Z_][a-zA-Z_0-9]*(?:::[a-zA-Z_][a-zA-Z_0-9]*)*/y;
const NUMBER = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const FIELD = /\.[a-zA-Z_][a-zA-Z_0-9]*/y;

export type StringChunk = { kind: "text"; text: string } | { kind: "interp" } | { kind: "close" };

export class Lexer {
  #pos = 0;
  #peeked: Token | null = null;

  constructor(readonly source: string) {}

  peek(): Token {
    this.#peeked ??= this.#read();
    return this.#peeked;
  }

  next(): Token {
    const token = this.peek();
    this.#peeked = null;
    return token;
  }

  /**
   * Reads the literal text of a string up to the next interpolation or the closing quote. Called by the parser
   * after it consumed a `string-open` token, and again after each interpolation's closing parenthesis.
   */
  stringChunk(): StringChunk {
    if (this.#peeked !== null) throw new Unsupported("lexer state: string chunk after a peek");
    const src = this.source;
    let text = "";
    while (this.#pos < src.length) {
      const c = src[this.#pos];
      if (c === '"') {
        if (text.length > 0) return { kind: "text", text };
        this.#pos++;
        return { kind: "close" };
      }
      if (c !== "\\") {
        text += c;
        this.#pos++;
        continue;
      }
      const e = src[this.#pos + 1];
      if (e === "(") {
        if (text.length > 0) return { kind: "text", text };
        this.#pos += 2;
        return { kind: "interp" };
      }
      this.#pos += 2;
      switch (e) {
        case '"':
          text += '"';
          break;
        case "\\":
          text += "\\";
          break;
        case "/":
          text += "/";
          break;
        case "b":
          text += "\b";
          break;
        case "f":
          text += "\f";
          break;
        case "n":
          text += "\n";
          break;
        case "r":
          text += "\r";
          break;
        case "t":
          text += "\t";
          break;
        case "u":
          text += this.#unicodeEscape();
          break;
        default:
          throw new Unsupported("invalid escape in a string literal");
      }
    }
    throw new Unsupported("unterminated string literal");
  }

  #unicodeEscape(): string {
    const hex = this.source.slice(this.#pos, this.#pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Unsupported("invalid \\u escape");
    this.#pos += 4;
    const unit = Number.parseInt(hex, 16);
    // A lone surrogate: jq replaces it, and we let jq-wasm decide how.
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(this.source.slice(this.#pos));
      if (low === null || low[1] === undefined) throw new Unsupported("lone surrogate escape in a string literal");
      this.#pos += 6;
      return String.fromCharCode(unit, Number.parseInt(low[1], 16));
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) throw new Unsupported("lone surrogate escape in a string literal");
    return String.fromCharCode(unit);
  }

  #skipSpaceAndComments(): void {
    const src = this.source;
    while (this.#pos < src.length) {
      const c = src[this.#pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") {
        this.#pos++;
      } else if (c === "#") {
        // jq 1.7 comments end at a newline, but a backslash before the newline continues them; such sources are
        // left to jq-wasm rather than reproduced.
        const end = src.indexOf("\n", this.#pos);
        const comment = end < 0 ? src.slice(this.#pos) : src.slice(this.#pos, end);
        if (comment.includes("\\") || comment.includes("\r")) throw new Unsupported("comment with a backslash");
        this.#pos = end < 0 ? src.length : end + 1;
      } else {
        return;
      }
    }
  }

  #read(): Token {
    this.#skipSpaceAndComments();
    const src = this.source;
    const at = this.#pos;
    if (at >= src.length) return { kind: "eof", at };
    const c = src[at] ?? "";
    if (c === '"') {
      this.#pos++;
      return { kind: "string-open", at };
    }
    if (c === "$") {
      IDENT.lastIndex = at + 1;
      const m = IDENT.exec(src);
      if (m === null) throw new Unsupported("`$` without a name");
      this.#pos = IDENT.lastIndex;
      return { kind: "var", name: m[0], at };
    }
    if (c === "@") {
      IDENT.lastIndex = at + 1;
      const m = IDENT.exec(src);
      if (m === null) throw new Unsupported("`@` without a format name");
      this.#pos = IDENT.lastIndex;
      return { kind: "format", name: m[0], at };
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(src);
    if (number !== null) {
      this.#pos = NUMBER.lastIndex;
      return { kind: "number", text: number[0], at };
    }
    FIELD.lastIndex = at;
    const field = FIELD.exec(src);
    if (field !== null) {
      this.#pos = FIELD.lastIndex;
      return { kind: "field", name: field[0].slice(1), at };
    }
    IDENT.lastIndex = at;
    const ident = IDENT.exec(src);
    if (ident !== null) {
      this.#pos = IDENT.lastIndex;
      const name = ident[0];
      return KEYWORDS.has(name) ? { kind: "keyword", name, at } : { kind: "ident", name, at };
    }
    for (const p of PUNCTUATION) {
      if (src.startsWith(p, at)) {
        this.#pos = at + p.length;
        return { kind: "punct", text: p, at };
      }
    }
    throw new Unsupported(`unexpected character ${JSON.stringify(c)}`);
  }
}
