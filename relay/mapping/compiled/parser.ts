import type { BinaryOp, FormatName, Node, ObjectEntry, StringPart } from "./ast";
import { Lexer } from "./lexer";
import { describe, fieldOf, formatName, numberLiteral, optional } from "./parse-helpers";
import { parsePattern } from "./parse-patterns";
import { JqCompileError, Unsupported } from "./unsupported";

const COMPARISONS: ReadonlySet<string> = new Set(["==", "!=", "<", "<=", ">", ">="]);
const ASSIGNMENTS: ReadonlySet<string> = new Set(["=", "|=", "+=", "-=", "*=", "/=", "%=", "//="]);

/**
 * Parses the jq subset the compiled engine serves, following jq 1.7.1's grammar (src/parser.y) and operator
 * precedence: `|` < `,` < `//` < `or` < `and` < comparisons < `+ -` < `* / %` < postfix `?` and `try`.
 * Anything else throws `Unsupported`; a real syntax error also does, and jq-wasm then reports it exactly.
 *
 * @throws Unsupported
 */
/**
 * @throws Unsupported when the expression is outside the compiled subset
 * @throws JqCompileError when jq refuses it at compile time (after the whole expression parsed, as jq reports
 *   every such error at once)
 */
export function parseJq(source: string): Node {
  const parser = new Parser(new Lexer(source));
  const node = parser.pipe();
  parser.expectEof();
  if (parser.compileErrors.length > 0) throw new JqCompileError(parser.compileErrors.join(" "));
  return node;
}

/** Node kinds that read nothing (no input, variable or function): jq may fold such a key into a constant. */
const CONSTANT_KINDS = new Set(["literal", "binary", "neg", "array", "object", "pair", "string", "text"]);

function readsNothing(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(readsNothing);
  if (typeof node !== "object" || node === null) return true;
  if ("kind" in node && typeof node.kind === "string" && !CONSTANT_KINDS.has(node.kind)) return false;
  return Object.values(node).every(readsNothing);
}

class Parser {
  /** jq's compile errors found so far (see parseJq). */
  readonly compileErrors: string[] = [];

  constructor(readonly lexer: Lexer) {}

  /**
   * jq refuses, at compile time, an object key in parentheses that is a constant other than a string
   * (`{(0): 1}`: "Cannot use number (0) as object key"). A key jq may have folded from an expression
   * (`{(1 + 1): 1}`) is left to jq-wasm, as is a number whose literal text jq would print differently.
   */
  #checkConstantKey(key: Node, keyText: string, at: number): void {
    let named: string | null = null;
    if (key.kind === "literal") {
      if (key.value === null) named = "null (null)";
      else if (typeof key.value === "boolean") named = `boolean (${String(key.value)})`;
      else if (typeof key.value === "number") {
        if (!/^(?:0|[1-9]\d{0,10})$/.test(keyText)) throw new Unsupported("a numeric object key jq refuses");
        named = `number (${keyText})`;
      } else return;
    } else if (key.kind === "array" && key.body === null) named = "array ([])";
    else if (key.kind === "object" && key.entries.length === 0) named = "object ({})";
    else if (key.kind === "string" && key.parts.every((part) => part.kind === "text")) return;
    else if (readsNothing(key)) throw new Unsupported("a constant object key that jq folds and checks");
    if (named === null) return;
    const source = this.lexer.source;
    const lineStart = source.lastIndexOf("\n", at - 1) + 1;
    const lineEnd = source.indexOf("\n", at);
    const line = source.slice(lineStart, lineEnd < 0 ? source.length : lineEnd).trim();
    const lineNumber = source.slice(0, at).split("\n").length;
    this.compileErrors.push(`Cannot use ${named} as object key at <top-level>, line ${lineNumber}: ${line}`.trim());
  }

  expectEof(): void {
    const token = this.lexer.peek();
    if (token.kind !== "eof") throw new Unsupported(`unexpected ${describe(token)}`);
  }

  isPunct(text: string): boolean {
    const token = this.lexer.peek();
    return token.kind === "punct" && token.text === text;
  }

  #isKeyword(name: string): boolean {
    const token = this.lexer.peek();
    return token.kind === "keyword" && token.name === name;
  }

  expectPunct(text: string): void {
    const token = this.lexer.next();
    if (token.kind !== "punct" || token.text !== text)
      throw new Unsupported(`expected "${text}", got ${describe(token)}`);
  }

  #expectKeyword(name: string): void {
    const token = this.lexer.next();
    if (token.kind !== "keyword" || token.name !== name)
      throw new Unsupported(`expected "${name}", got ${describe(token)}`);
  }

  pipe(): Node {
    if (this.#isKeyword("def")) return this.#def();
    if (this.#isKeyword("label")) throw new Unsupported("label/break");
    const left = this.#comma();
    if (this.isPunct("|")) {
      this.lexer.next();
      return { kind: "pipe", left, right: this.pipe() };
    }
    return left;
  }

  #def(): Node {
    this.#expectKeyword("def");
    const nameToken = this.lexer.next();
    if (nameToken.kind !== "ident" && nameToken.kind !== "keyword") throw new Unsupported("def without a name");
    const params: string[] = [];
    if (this.isPunct("(")) {
      this.lexer.next();
      for (;;) {
        const param = this.lexer.next();
        if (param.kind === "var") params.push(`$${param.name}`);
        else if (param.kind === "ident") params.push(param.name);
        else throw new Unsupported("unexpected function parameter");
        if (this.isPunct(";")) {
          this.lexer.next();
          continue;
        }
        this.expectPunct(")");
        break;
      }
    }
    this.expectPunct(":");
    const body = this.pipe();
    this.expectPunct(";");
    const rest = this.pipe();
    return { kind: "def", name: nameToken.name, params, body, rest };
  }

  #comma(): Node {
    let left = this.#alternative();
    while (this.isPunct(",")) {
      this.lexer.next();
      left = { kind: "comma", left, right: this.#alternative() };
    }
    return left;
  }

  #alternative(): Node {
    const left = this.#or();
    if (this.isPunct("//")) {
      this.lexer.next();
      return { kind: "alt", left, right: this.#alternative() };
    }
    const token = this.lexer.peek();
    if (token.kind === "punct" && ASSIGNMENTS.has(token.text))
      throw new Unsupported(`assignment operator ${token.text}`);
    if (token.kind === "punct" && token.text === "?//") throw new Unsupported("destructuring alternative ?//");
    return left;
  }

  #or(): Node {
    let left = this.#and();
    while (this.#isKeyword("or")) {
      this.lexer.next();
      left = { kind: "or", left, right: this.#and() };
    }
    return left;
  }

  #and(): Node {
    let left = this.#comparison();
    while (this.#isKeyword("and")) {
      this.lexer.next();
      left = { kind: "and", left, right: this.#comparison() };
    }
    return left;
  }

  #comparison(): Node {
    const left = this.#additive();
    const token = this.lexer.peek();
    if (token.kind === "punct" && COMPARISONS.has(token.text)) {
      this.lexer.next();
      const right = this.#additive();
      const after = this.lexer.peek();
      if (after.kind === "punct" && COMPARISONS.has(after.text)) throw new Unsupported("chained comparison");
      return { kind: "binary", op: token.text as BinaryOp, left, right };
    }
    return left;
  }

  #additive(): Node {
    let left = this.#multiplicative();
    for (;;) {
      const token = this.lexer.peek();
      if (token.kind !== "punct" || (token.text !== "+" && token.text !== "-")) return left;
      this.lexer.next();
      left = { kind: "binary", op: token.text, left, right: this.#multiplicative() };
    }
  }

  #multiplicative(): Node {
    let left = this.#unary();
    for (;;) {
      const token = this.lexer.peek();
      if (token.kind !== "punct" || (token.text !== "*" && token.text !== "/" && token.text !== "%")) return left;
      this.lexer.next();
      left = { kind: "binary", op: token.text, left, right: this.#unary() };
    }
  }

  #unary(): Node {
    if (this.isPunct("-")) {
      this.lexer.next();
      // jq's `'-' Exp` rule has the precedence of binary minus: `-1 * 2` is `-(1 * 2)`, `-1 + 2` is `(-1) + 2`.
      return { kind: "neg", operand: this.#multiplicative() };
    }
    if (this.#isKeyword("try")) {
      this.lexer.next();
      const body = this.#postfix();
      let handler: Node | null = null;
      if (this.#isKeyword("catch")) {
        this.lexer.next();
        handler = this.#postfix();
      }
      return { kind: "try", body, handler };
    }
    if (this.#isKeyword("def")) return this.#def();
    return this.#postfix();
  }

  /** A term with its suffixes (`.a`, `[e]`, `[]`, `?`), and a binding `Term as $x | body` when one follows. */
  #postfix(): Node {
    let node = this.#term();
    for (;;) {
      const token = this.lexer.peek();
      if (token.kind === "field") {
        this.lexer.next();
        node = { kind: "field", target: node, name: { kind: "literal", value: token.name } };
      } else if (token.kind === "punct" && token.text === ".") {
        this.lexer.next();
        const after = this.lexer.peek();
        if (after.kind === "string-open") {
          this.lexer.next();
          node = { kind: "field", target: node, name: this.stringBody(null) };
        } else if (after.kind === "punct" && after.text === "[") {
          node = this.#bracketSuffix(node);
        } else {
          throw new Unsupported(`unexpected ${describe(after)} after "."`);
        }
      } else if (token.kind === "punct" && token.text === "[") {
        node = this.#bracketSuffix(node);
      } else if (token.kind === "punct" && token.text === "?") {
        this.lexer.next();
        node = optional(node);
      } else if (token.kind === "keyword" && token.name === "as") {
        this.lexer.next();
        const patterns = parsePattern(this);
        if (this.isPunct("?//")) throw new Unsupported("destructuring alternative ?//");
        this.expectPunct("|");
        return { kind: "bind", source: node, patterns, body: this.pipe() };
      } else {
        return node;
      }
    }
  }

  #bracketSuffix(target: Node): Node {
    this.expectPunct("[");
    if (this.isPunct("]")) {
      this.lexer.next();
      return { kind: "iterate", target };
    }
    if (this.isPunct(":")) {
      this.lexer.next();
      const to = this.pipe();
      this.expectPunct("]");
      return { kind: "slice", target, from: null, to };
    }
    const index = this.pipe();
    if (this.isPunct(":")) {
      this.lexer.next();
      if (this.isPunct("]")) {
        this.lexer.next();
        return { kind: "slice", target, from: index, to: null };
      }
      const to = this.pipe();
      this.expectPunct("]");
      return { kind: "slice", target, from: index, to };
    }
    this.expectPunct("]");
    return { kind: "index", target, index };
  }

  #term(): Node {
    const token = this.lexer.next();
    switch (token.kind) {
      case "number":
        return { kind: "literal", value: numberLiteral(token.text) };
      case "string-open":
        return this.stringBody(null);
      case "format": {
        const format = formatName(token.name);
        if (this.lexer.peek().kind === "string-open") {
          this.lexer.next();
          return this.stringBody(format);
        }
        return { kind: "format", format };
      }
      case "field":
        return fieldOf(token.name);
      case "var":
        if (token.name === "__loc__") throw new Unsupported("$__loc__");
        if (token.name === "ENV")
          throw new Unsupported("$ENV (the mapper binds it to the variables BBRELAY_JQ_ENV names)");
        return { kind: "var", name: token.name };
      case "ident":
        if (token.name === "null") return { kind: "literal", value: null };
        if (token.name === "true") return { kind: "literal", value: true };
        if (token.name === "false") return { kind: "literal", value: false };
        return this.#call(token.name);
      case "keyword":
        return this.#keywordTerm(token.name);
      case "punct":
        return this.#punctTerm(token.text);
      default:
        throw new Unsupported(`unexpected ${describe(token)}`);
    }
  }

  #punctTerm(text: string): Node {
    switch (text) {
      case ".": {
        const after = this.lexer.peek();
        if (after.kind === "string-open") {
          this.lexer.next();
          return { kind: "field", target: { kind: "identity" }, name: this.stringBody(null) };
        }
        return { kind: "identity" };
      }
      case "..":
        return { kind: "recurse-default" };
      case "(": {
        const inner = this.pipe();
        this.expectPunct(")");
        return inner;
      }
      case "[": {
        if (this.isPunct("]")) {
          this.lexer.next();
          return { kind: "array", body: null };
        }
        const body = this.pipe();
        this.expectPunct("]");
        return { kind: "array", body };
      }
      case "{":
        return this.#object();
      default:
        throw new Unsupported(`unexpected "${text}"`);
    }
  }

  #keywordTerm(name: string): Node {
    switch (name) {
      case "if":
        return this.#if();
      case "reduce": {
        const source = this.#postfixNoBind();
        this.#expectKeyword("as");
        const pattern = parsePattern(this);
        this.expectPunct("(");
        const init = this.pipe();
        this.expectPunct(";");
        const update = this.pipe();
        this.expectPunct(")");
        return { kind: "reduce", source, pattern, init, update };
      }
      case "foreach": {
        const source = this.#postfixNoBind();
        this.#expectKeyword("as");
        const pattern = parsePattern(this);
        this.expectPunct("(");
        const init = this.pipe();
        this.expectPunct(";");
        const update = this.pipe();
        let extract: Node | null = null;
        if (this.isPunct(";")) {
          this.lexer.next();
          extract = this.pipe();
        }
        this.expectPunct(")");
        return { kind: "foreach", source, pattern, init, update, extract };
      }
      default:
        throw new Unsupported(`keyword "${name}"`);
    }
  }

  /** The source term of `reduce`/`foreach`: suffixes allowed, but its `as` belongs to the reduce. */
  #postfixNoBind(): Node {
    let node = this.#term();
    for (;;) {
      const token = this.lexer.peek();
      if (token.kind === "field") {
        this.lexer.next();
        node = { kind: "field", target: node, name: { kind: "literal", value: token.name } };
      } else if (token.kind === "punct" && token.text === "[") {
        node = this.#bracketSuffix(node);
      } else if (token.kind === "punct" && token.text === "?") {
        this.lexer.next();
        node = optional(node);
      } else {
        return node;
      }
    }
  }

  #if(): Node {
    const cond = this.pipe();
    this.#expectKeyword("then");
    const then = this.pipe();
    const elifs: { cond: Node; then: Node }[] = [];
    let otherwise: Node | null = null;
    for (;;) {
      const token = this.lexer.next();
      if (token.kind === "keyword" && token.name === "elif") {
        const c = this.pipe();
        this.#expectKeyword("then");
        elifs.push({ cond: c, then: this.pipe() });
      } else if (token.kind === "keyword" && token.name === "else") {
        otherwise = this.pipe();
        this.#expectKeyword("end");
        break;
      } else if (token.kind === "keyword" && token.name === "end") {
        break;
      } else {
        throw new Unsupported(`unexpected ${describe(token)} in if`);
      }
    }
    return { kind: "if", cond, then, elifs, else: otherwise };
  }

  #call(name: string): Node {
    const args: Node[] = [];
    if (this.isPunct("(")) {
      this.lexer.next();
      for (;;) {
        args.push(this.pipe());
        if (this.isPunct(";")) {
          this.lexer.next();
          continue;
        }
        this.expectPunct(")");
        break;
      }
    }
    return { kind: "call", name, args };
  }

  stringBody(format: FormatName | null): Node {
    const parts: StringPart[] = [];
    for (;;) {
      const chunk = this.lexer.stringChunk();
      if (chunk.kind === "close") break;
      if (chunk.kind === "text") {
        parts.push({ kind: "text", text: chunk.text });
        continue;
      }
      const expr = this.pipe();
      const close = this.lexer.next();
      if (close.kind !== "punct" || close.text !== ")") throw new Unsupported("unterminated interpolation");
      parts.push({ kind: "interp", expr });
    }
    return { kind: "string", format, parts };
  }

  #object(): Node {
    const entries: ObjectEntry[] = [];
    if (this.isPunct("}")) {
      this.lexer.next();
      return { kind: "object", entries };
    }
    for (;;) {
      entries.push(this.#objectEntry());
      const token = this.lexer.next();
      if (token.kind === "punct" && token.text === ",") continue;
      if (token.kind === "punct" && token.text === "}") break;
      throw new Unsupported(`unexpected ${describe(token)} in an object`);
    }
    return { kind: "object", entries };
  }

  #objectEntry(): ObjectEntry {
    const token = this.lexer.next();
    let key: Node;
    let shortKey: string | null = null;
    if (token.kind === "var") {
      if (token.name === "__loc__" || token.name === "ENV") throw new Unsupported(`$${token.name} in an object`);
      if (this.isPunct(":")) throw new Unsupported("`$name: value` object entry");
      return { kind: "short", key: token.name, value: { kind: "var", name: token.name } };
    } else if (token.kind === "ident" || token.kind === "keyword") {
      key = { kind: "literal", value: token.name };
      shortKey = token.name;
    } else if (token.kind === "string-open") {
      key = this.stringBody(null);
    } else if (token.kind === "number") {
      throw new Unsupported("numeric object key");
    } else if (token.kind === "punct" && token.text === "(") {
      const first = this.lexer.peek();
      key = this.pipe();
      const close = this.lexer.peek();
      this.expectPunct(")");
      this.#checkConstantKey(key, this.lexer.source.slice(first.at, close.at).trim(), token.at);
    } else {
      throw new Unsupported(`unexpected ${describe(token)} as an object key`);
    }
    if (!this.isPunct(":")) {
      if (shortKey !== null) {
        return { kind: "short", key: shortKey, value: fieldOf(shortKey) };
      }
      if (key.kind === "string") {
        // `{"a"}` and `{"a\(x)"}`: the key is the string and the value is `.[key]`.
        return { kind: "pair", key, value: { kind: "index", target: { kind: "identity" }, index: key } };
      }
      throw new Unsupported("object key without a value");
    }
    this.lexer.next();
    return { kind: "pair", key, value: this.#objectValue() };
  }

  /** jq's `ExpD`: a term, a negated term, or terms joined by `|` (anything else needs parentheses). */
  #objectValue(): Node {
    let value: Node;
    if (this.isPunct("-")) {
      this.lexer.next();
      value = { kind: "neg", operand: this.#postfixNoBind() };
    } else {
      value = this.#postfixNoBind();
    }
    if (this.isPunct("|")) {
      this.lexer.next();
      return { kind: "pipe", left: value, right: this.#objectValue() };
    }
    return value;
  }
}
