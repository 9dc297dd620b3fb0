// The compile-once jq engine's public entry: the rest of the agent reaches the compiler only through these names
// (checked by test/node/architecture/import-layers.test.ts), so its internals can change freely.
export {
  type CompiledOutcome,
  CompiledProgram,
  type CompileJqOptions,
  type CompileJqResult,
  compileJq,
} from "./compiled-program";
export { type Explanation, explainJq } from "./explain";
export { type Divergence, HybridJqEngine, type HybridJqEngineOptions, type HybridStats } from "./hybrid-engine";
export { InputPreparer, NEEDS_REFERENCE } from "./prepare-input";
