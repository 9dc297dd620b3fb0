import type { Logger } from "../log/logger";
import { HybridJqEngine } from "./compiled";
import type { JqEngine } from "./engine";

/**
 * The engine the agent maps with, chosen in one place: the compile-once engine (relay/mapping/compiled/) for
 * every expression in its verified subset, jq-wasm for the rest, with shadow checks against jq-wasm (a mismatch
 * sends the expression back to jq-wasm for good and logs a warning naming it). A jq-wasm call longer than
 * `jqTimeoutMs` (`BBRELAY_JQ_TIMEOUT_MS`, default 2,000) is stopped and maps to an error, like any jq error.
 */
export function createMappingEngine(options: { logger?: Logger; jqTimeoutMs?: number } = {}): JqEngine {
  return new HybridJqEngine({
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.jqTimeoutMs === undefined ? {} : { referenceOptions: { timeoutMs: options.jqTimeoutMs } }),
  });
}
