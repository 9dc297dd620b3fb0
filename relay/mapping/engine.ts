/**
 * The jq engine interface: compile once, run many. Callers (the mapper, `bbrelay map`, the selector) only see
 * this, so the engine behind a program can change (jq-wasm, the compiled engine) without touching them.
 */

import type { Json } from "../../shared/json";

export type { Json };
export type JsonObject = { [key: string]: Json };

export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The outcome of running a program on one input. Mappings only ever use a program's first output (Port's rule),
 * so that is all a run returns: the first value, `empty` when the program produced none, or jq's error message
 * when it failed before producing one.
 */
export type JqOutcome =
  | { kind: "value"; value: Json }
  | { kind: "empty" }
  /** `fault`: jq-wasm itself broke on this input (abort, stack overflow, time budget), jq gave no verdict. */
  | { kind: "error"; message: string; fault?: true };

export interface JqProgram {
  /** The jq source as the user wrote it. */
  readonly source: string;
  /** Which engine runs it (`jq-wasm`, `compiled`), for `bbrelay map --explain` and warnings. */
  readonly engine: string;
  /**
   * Runs the program on one input. jq errors are returned as `{ kind: "error" }`, never thrown; a throw means
   * the engine itself is broken. Synchronous engines return the outcome directly so that hot loops need not
   * pay for a promise per field.
   */
  first(input: Json): JqOutcome | Promise<JqOutcome>;
}

export type CompileOutcome = { kind: "ok"; program: JqProgram } | { kind: "error"; message: string };

export interface JqEngine {
  readonly name: string;
  /** Compiles a program, reporting a syntax or compile error as a value. */
  compile(source: string): Promise<CompileOutcome>;
  /** Releases what the engine holds (wasm instances, workers). */
  close(): Promise<void>;
}
