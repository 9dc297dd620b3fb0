/**
 * The syntax tree of the jq subset the compiled engine serves. Anything the parser does not know becomes an
 * `Unsupported` error at parse time, and the expression is served by jq-wasm instead.
 */

/** `@base64`, `@text`...: the formats the compiled engine implements. */
export type FormatName = "text" | "json" | "base64" | "base64d" | "uri";

export type StringPart = { kind: "text"; text: string } | { kind: "interp"; expr: Node };

export type ObjectEntry =
  | { kind: "pair"; key: Node; value: Node }
  /** `{a}`, `{"a"}`, `{$x}`: the value is `.a` or `$x`. */
  | { kind: "short"; key: string; value: Node };

export type Pattern =
  | { kind: "var"; name: string }
  | { kind: "array"; items: Pattern[] }
  | { kind: "object"; entries: ObjectPatternEntry[] };

export type ObjectPatternEntry =
  /** `$name` alone (binds `.name`), or `$name: pattern` (binds `.name` and destructures it too). */
  { kind: "var"; name: string; pattern: Pattern | null } | { kind: "key"; key: Node; pattern: Pattern };

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=";

export type Node =
  | { kind: "identity" }
  | { kind: "recurse-default" }
  | { kind: "literal"; value: null | boolean | number | string }
  | { kind: "string"; format: FormatName | null; parts: StringPart[] }
  | { kind: "format"; format: FormatName }
  /** `optional`: written with a `?` right after it (`.a?`, `.[]?`): only this step's own error is suppressed. */
  | { kind: "field"; target: Node; name: Node; optional?: boolean }
  | { kind: "index"; target: Node; index: Node; optional?: boolean }
  | { kind: "slice"; target: Node; from: Node | null; to: Node | null; optional?: boolean }
  | { kind: "iterate"; target: Node; optional?: boolean }
  | { kind: "try"; body: Node; handler: Node | null }
  | { kind: "pipe"; left: Node; right: Node }
  | { kind: "comma"; left: Node; right: Node }
  | { kind: "alt"; left: Node; right: Node }
  | { kind: "and"; left: Node; right: Node }
  | { kind: "or"; left: Node; right: Node }
  | { kind: "binary"; op: BinaryOp; left: Node; right: Node }
  | { kind: "neg"; operand: Node }
  | { kind: "array"; body: Node | null }
  | { kind: "object"; entries: ObjectEntry[] }
  | { kind: "if"; cond: Node; then: Node; elifs: { cond: Node; then: Node }[]; else: Node | null }
  | { kind: "bind"; source: Node; patterns: Pattern; body: Node }
  | { kind: "reduce"; source: Node; pattern: Pattern; init: Node; update: Node }
  | { kind: "foreach"; source: Node; pattern: Pattern; init: Node; update: Node; extract: Node | null }
  | { kind: "var"; name: string }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "def"; name: string; params: string[]; body: Node; rest: Node };
