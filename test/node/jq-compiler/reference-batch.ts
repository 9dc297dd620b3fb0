import type { Json } from "../../../relay/mapping/engine";
import { JqError, type JqWasmRuntime } from "../../../relay/mapping/jq-wasm-runtime";

/**
 * What jq-wasm (jq 1.7.1) gives for one expression on one input, with the output's exact text: the compact
 * JSON jq printed for a value, or the message the jq-wasm engine would report for an error.
 */
export type ReferenceResult =
  | { kind: "value"; text: string }
  | { kind: "empty" }
  | { kind: "error"; message: string; text: string }
  | { kind: "compile-error"; message: string };

const VALUE = '{"k":"v","v":';
const ERROR = '{"k":"e","e":';
const EMPTY = '{"k":"n"}';

/**
 * Runs one expression on many inputs in few jq-wasm calls: the inputs go in as NDJSON (jq runs the filter on
 * each), and each run's first output or error is caught inside jq and printed as one line, so one input's error
 * cannot hide another's result. Batches stay small because jq-wasm's I/O cost grows with the call's size.
 */
export async function runReference(
  runtime: JqWasmRuntime,
  source: string,
  inputs: readonly Json[],
): Promise<ReferenceResult[]> {
  const filter = `try ([limit(1; (\n${source}\n))] | if length == 0 then {"k":"n"} else {"k":"v","v":.[0]} end) catch {"k":"e","e":.}`;
  const results: ReferenceResult[] = [];
  let batch: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    let output: string;
    try {
      output = await runtime.run(filter, batch.join("\n"));
    } catch (error) {
      if (error instanceof JqError) {
        for (let i = 0; i < batch.length; i++) results.push({ kind: "compile-error", message: error.message });
        batch = [];
        size = 0;
        return;
      }
      throw error;
    }
    const lines = output.split("\n");
    if (lines.length !== batch.length)
      throw new Error(`expected ${batch.length} lines from jq-wasm, got ${lines.length}: ${output.slice(0, 200)}`);
    for (const line of lines) results.push(decode(line));
    batch = [];
    size = 0;
  };
  for (const input of inputs) {
    const text = JSON.stringify(input);
    if (size + text.length > 16_000 || batch.length >= 40) await flush();
    batch.push(text);
    size += text.length;
  }
  await flush();
  return results;
}

function decode(line: string): ReferenceResult {
  if (line === EMPTY) return { kind: "empty" };
  if (line.startsWith(VALUE) && line.endsWith("}")) return { kind: "value", text: line.slice(VALUE.length, -1) };
  if (line.startsWith(ERROR) && line.endsWith("}")) {
    const text = line.slice(ERROR.length, -1);
    const value = JSON.parse(text) as Json;
    return { kind: "error", message: typeof value === "string" ? cleanMessage(value) : text, text };
  }
  throw new Error(`unexpected jq-wasm output line: ${line.slice(0, 200)}`);
}

/** As jq prints a string error (C stops at a NUL) and the jq-wasm engine then trims it. */
function cleanMessage(message: string): string {
  const nul = message.indexOf("\u0000");
  return (nul < 0 ? message : message.slice(0, nul)).trim();
}
