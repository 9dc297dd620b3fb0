/**
 * Thrown while parsing or compiling when a construct is outside the subset the compiled engine serves exactly.
 * It never reaches a caller: the expression is then served by jq-wasm, and the reason is what `explain` shows.
 */
export class Unsupported extends Error {
  override readonly name = "Unsupported";
}
