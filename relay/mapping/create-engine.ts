import type { Logger } from "../log/logger";
import { HybridJqEngine } from "./compiled";
import type { JqEngine } from "./engine";

/**
 * The engine the agent maps with, chosen in one place: the compile-once engine (relay/mapping/compiled/) for
 * every expression in its verified subset, jq-wasm for the rest, with shadow checks against jq-wasm (a mismatch
 * sends the expression back to jq-wasm for good and logs a warning naming it).
 */
export function createMappingEngine(options: { logger?: Logger } = {}): JqEngine {
  return new HybridJqEngine(options.logger === undefined ? {} : { logger: options.logger });
}
