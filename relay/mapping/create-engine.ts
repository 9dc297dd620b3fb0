import type { JqEngine } from "./engine";
import { JqWasmEngine } from "./jq-wasm-engine";

/**
 * The engine the agent maps with, chosen in one place. Today the jq-wasm reference engine (leaves of an item
 * fused into one call by the mapper); the compile-once engine (relay/mapping/compiled/) plugs in here behind the
 * same interface.
 */
export function createMappingEngine(): JqEngine {
  return new JqWasmEngine();
}
