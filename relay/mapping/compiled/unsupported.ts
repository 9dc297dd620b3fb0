/**
 * Thrown while parsing or compiling when a construct is outside the subset the compiled engine serves exactly.
 * It never reaches a caller: the expression is then served by jq-wasm, and the reason is what `explain` shows.
 */
export class Unsupported extends Error {
  override readonly name = "Unsupported";
}

/**
 * A compile error jq itself reports (so the compiled engine refuses what jq refuses), with jq's message as the
 * jq-wasm engine reports it: each error `at <top-level>, line N: <that line>`, joined by spaces.
 */
export class JqCompileError extends Error {
  override readonly name = "JqCompileError";
}
