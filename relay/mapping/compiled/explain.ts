import { compileJq } from "./compiled-program";

export interface Explanation {
  /** The engine that serves the expression (before any shadow divergence sends it back to jq-wasm). */
  engine: "compiled" | "jq-wasm";
  reason: string;
}

/**
 * Which engine serves a jq expression, and why: what `bbrelay map --explain` prints for each field. Static: it
 * does not run jq-wasm, so a syntax error shows as "jq-wasm" here and is reported when the mapping is loaded.
 */
export function explainJq(source: string): Explanation {
  const result = compileJq(source);
  if (result.kind === "ok") {
    const clock = result.program.usesNow ? " (uses now: shadow runs give jq-wasm the same instant)" : "";
    return { engine: "compiled", reason: `every construct is in the compiled subset${clock}` };
  }
  if (result.kind === "error") return { engine: "jq-wasm", reason: `jq refuses it: ${result.message}` };
  return { engine: "jq-wasm", reason: result.reason };
}
