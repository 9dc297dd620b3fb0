import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { runInThisContext } from "node:vm";

/**
 * Loads jq-wasm's Emscripten factory with its quadratic standard input and output fixed.
 *
 * jq-wasm 1.0.1 feeds stdin to jq one byte at a time and drops the byte read with `stdinBuffer.slice(1)`, which
 * copies the whole rest of the input for every byte: a 2 KB pull request costs ~5.5 ms a call, of which ~4.5 ms is
 * that copying. `subarray(1)` is the same read through a view, without the copy (~1.0 ms a call, measured on
 * the seed's PR). Its output grows the same way: every byte jq writes allocates a buffer one byte longer and copies
 * the old one into it, so a field of 1 MB took 113 s to map. The patched glue grows each output buffer by doubling
 * and keeps its length apart (linear: a 10 MB string maps in well under a second).
 *
 * The glue is read from the package and evaluated as the CommonJS module it is, with those expressions changed. Each
 * fix applies only if every expression it changes is found exactly once (another jq-wasm version); otherwise that
 * part of the glue is left as it is, so the result can only be slower, never different.
 */

export interface JqModule {
  raw(input: string, filter: string, flags: string[]): Promise<string>;
}

export type JqModuleFactory = () => Promise<JqModule>;

/** The glue's source with the fixes applied, as a worker evaluates it (jq-wasm-worker.ts). */
export interface PatchedJqGlue {
  /** The glue's path (its `__filename`: it finds jq.wasm next to it). */
  file: string;
  source: string;
  stdinPatched: boolean;
  outputPatched: boolean;
}

type Edit = readonly [from: string, to: string];

// The read position is kept apart, so a byte read costs neither a copy nor a new view.
const STDIN_EDITS: readonly Edit[] = [
  ["stdinBuffer = toByteArray(stdinString);", "stdinBuffer = toByteArray(stdinString); stdinOffset = 0;"],
  ["let stdinBuffer = new Uint8Array(0);", "let stdinBuffer = new Uint8Array(0); let stdinOffset = 0;"],
  [
    `if (stdinBuffer.length > 0) {
                const byte = stdinBuffer[0];
                stdinBuffer = stdinBuffer.slice(1);`,
    `if (stdinOffset < stdinBuffer.length) {
                const byte = stdinBuffer[stdinOffset++];`,
  ],
];

/** Each stream's buffer keeps a spare capacity; `<name>Length` is how much of it jq has written. */
function outputEdits(name: "stdout" | "stderr"): Edit[] {
  const buffer = `${name}Buffer`;
  const length = `${name}Length`;
  return [
    // The reset in rawImpl first: once the declaration below is edited, its text would match the reset's too.
    [` ${buffer} = new Uint8Array(0); `, ` ${buffer} = new Uint8Array(0); ${length} = 0; `],
    [`let ${buffer} = new Uint8Array(0);`, `let ${buffer} = new Uint8Array(0); let ${length} = 0;`],
    [`if (${buffer}.length > 0) {`, `if (${length} > 0) {`],
    [`fromByteArray(${buffer}).trim()`, `fromByteArray(${buffer}.subarray(0, ${length})).trim()`],
    [
      `const tmp = new Uint8Array(${buffer}.length + 1);
                tmp.set(${buffer}, 0);
                tmp[tmp.length - 1] = charCode;
                ${buffer} = tmp;`,
      `if (${length} === ${buffer}.length) { const grown = new Uint8Array(Math.max(4096, ${buffer}.length * 2)); grown.set(${buffer}, 0); ${buffer} = grown; }
                ${buffer}[${length}++] = charCode;`,
    ],
  ];
}

/** Applies every edit if each one's text occurs exactly once, else none of them. */
function applyAll(source: string, edits: readonly Edit[]): { source: string; applied: boolean } {
  let result = source;
  for (const [from, to] of edits) {
    if (result.split(from).length !== 2) return { source, applied: false };
    result = result.replace(from, () => to);
  }
  return { source: result, applied: true };
}

/** @returns jq-wasm's glue with the stdin and output fixes applied where they fit (see above) */
export function patchedJqGlue(): PatchedJqGlue {
  const require = createRequire(import.meta.url);
  const file = require.resolve("jq-wasm/dist/build/jq.js");
  const original = readFileSync(file, "utf8");
  const stdin = applyAll(original, STDIN_EDITS);
  const output = applyAll(stdin.source, [...outputEdits("stdout"), ...outputEdits("stderr")]);
  return { file, source: output.source, stdinPatched: stdin.applied, outputPatched: output.applied };
}

/**
 * @returns a factory of fresh jq-wasm instances in this thread, and whether the fixes apply. The agent runs
 *   jq-wasm in a worker (jq-wasm-worker.ts) so that a call can be stopped; this in-thread factory serves tests and
 *   benchmarks that measure jq-wasm itself.
 */
export function loadJqModuleFactory(): { factory: JqModuleFactory; patched: boolean; outputPatched: boolean } {
  const glue = patchedJqGlue();
  const require = createRequire(glue.file);
  const module: { exports: unknown } = { exports: {} };
  const wrapper: unknown = runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${glue.source}\n})`,
    { filename: glue.file },
  );
  if (typeof wrapper !== "function") throw new Error("jq-wasm's glue did not evaluate to a module wrapper");
  wrapper(module.exports, require, module, glue.file, dirname(glue.file));
  return { factory: asFactory(module.exports), patched: glue.stdinPatched, outputPatched: glue.outputPatched };
}

function asFactory(exported: unknown): JqModuleFactory {
  if (typeof exported !== "function") throw new Error("jq-wasm's glue does not export its factory");
  return async () => {
    const instance: unknown = await exported();
    if (
      typeof instance !== "object" ||
      instance === null ||
      !("raw" in instance) ||
      typeof instance.raw !== "function"
    ) {
      throw new Error("a jq-wasm instance has no raw()");
    }
    const raw = instance.raw;
    return { raw: (input, filter, flags) => Promise.resolve(raw.call(instance, input, filter, flags)) };
  };
}
