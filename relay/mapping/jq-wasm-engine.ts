import { parseJson } from "../../shared/json";
import type { CompileOutcome, JqEngine, JqOutcome, JqProgram, Json } from "./engine";
import { JqError, JqWasmRuntime, type JqWasmRuntimeOptions } from "./jq-wasm-runtime";

/**
 * The reference engine: real jq 1.7.1 through jq-wasm. About a millisecond a call (jq-wasm-module.ts), so it serves expressions the
 * compiled engine does not cover and checks it (shadow runs); it cannot carry a large resync alone.
 */
export class JqWasmEngine implements JqEngine {
  readonly name = "jq-wasm";
  readonly #runtime: JqWasmRuntime;

  constructor(options: JqWasmRuntimeOptions = {}) {
    this.#runtime = new JqWasmRuntime(options);
  }

  get runtime(): JqWasmRuntime {
    return this.#runtime;
  }

  async compile(source: string): Promise<CompileOutcome> {
    // jq has no compile-only mode, but with no input at all it parses and binds the program (syntax errors,
    // unknown functions and variables) and then has nothing to run it on.
    try {
      await this.#runtime.run(source, "");
    } catch (error) {
      if (error instanceof JqError) return { kind: "error", message: cleanCompileMessage(error.message) };
      throw error;
    }
    return { kind: "ok", program: new JqWasmProgram(source, this.#runtime) };
  }

  async close(): Promise<void> {
    await this.#runtime.close();
  }
}

class JqWasmProgram implements JqProgram {
  readonly engine = "jq-wasm";
  // `limit(1; ...)` stops jq after the first output: mappings use only that one, and a later error must not
  // hide it. The newlines keep a trailing `# comment` in the source from swallowing the closing parentheses.
  readonly #wrapped: string;

  constructor(
    readonly source: string,
    readonly runtime: JqWasmRuntime,
  ) {
    this.#wrapped = `limit(1; (\n${source}\n))`;
  }

  async first(input: Json): Promise<JqOutcome> {
    let output: string;
    try {
      output = await this.runtime.run(this.#wrapped, JSON.stringify(input));
    } catch (error) {
      if (error instanceof JqError) {
        return error.kind === "fault"
          ? { kind: "error", message: error.message, fault: true }
          : { kind: "error", message: cleanRuntimeMessage(error.message) };
      }
      throw error;
    }
    if (output === "") return { kind: "empty" };
    const newline = output.indexOf("\n");
    const firstLine = newline < 0 ? output : output.slice(0, newline);
    try {
      return { kind: "value", value: parseJson(firstLine) };
    } catch {
      // jq prints what lies deeper than 256 levels as `<skipped: too deep>`, which is not JSON.
      return { kind: "error", message: "the value is nested deeper than jq prints (256 levels)" };
    }
  }
}

/** `jq: error (at /dev/stdin:0): Cannot index string with "b"` → `Cannot index string with "b"` */
function cleanRuntimeMessage(message: string): string {
  return message.replace(/^jq: error \(at [^)]*\)(?: \([^)]*\))?: /, "").trim();
}

/**
 * `jq: error: foo/1 is not defined at <top-level>, line 1:\nfoo(1)\njq: 1 compile error`
 * → `foo/1 is not defined at <top-level>, line 1: foo(1)`
 */
function cleanCompileMessage(message: string): string {
  return message
    .split("\n")
    .filter((line) => !/^jq: \d+ compile errors?$/.test(line))
    .map((line) => line.replace(/^jq: error: /, "").trim())
    .filter((line) => line.length > 0)
    .join(" ");
}
