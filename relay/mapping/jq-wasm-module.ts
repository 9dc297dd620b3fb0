import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { runInThisContext } from "node:vm";

/**
 * Loads jq-wasm's Emscripten factory with its quadratic standard input fixed.
 *
 * jq-wasm 1.0.1 feeds stdin to jq one byte at a time and drops the byte read with `stdinBuffer.slice(1)`, which
 * copies the whole rest of the input for every byte: a 2 KB pull request costs ~5.5 ms a call, of which ~4.5 ms is
 * that copying. `subarray(1)` is the same read through a view, without the copy (~1.0 ms a call, measured on
 * the seed's PR). The glue is read from the package and evaluated as the CommonJS module it is, with that one
 * expression changed; if the expression is not found (another jq-wasm version), the package's own factory is used
 * unchanged, so the result can only be slower, never different.
 */

export interface JqModule {
  raw(input: string, filter: string, flags: string[]): Promise<string>;
}

export type JqModuleFactory = () => Promise<JqModule>;

const QUADRATIC_READ = "stdinBuffer = stdinBuffer.slice(1);";
const VIEW_READ = "stdinBuffer = stdinBuffer.subarray(1);";

/** @returns a factory of fresh jq-wasm instances, and whether the stdin fix applies */
export function loadJqModuleFactory(): { factory: JqModuleFactory; patched: boolean } {
  const require = createRequire(import.meta.url);
  const file = require.resolve("jq-wasm/dist/build/jq.js");
  const source = readFileSync(file, "utf8");
  if (source.split(QUADRATIC_READ).length !== 2) return { factory: asFactory(require(file)), patched: false };
  const module: { exports: unknown } = { exports: {} };
  const wrapper: unknown = runInThisContext(
    `(function (exports, require, module, __filename, __dirname) {${source.replace(QUADRATIC_READ, VIEW_READ)}\n})`,
    {
      filename: file,
    },
  );
  if (typeof wrapper !== "function") throw new Error("jq-wasm's glue did not evaluate to a module wrapper");
  wrapper(module.exports, require, module, file, dirname(file));
  return { factory: asFactory(module.exports), patched: true };
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
