/**
 * The local catalog's writer thread as the agent runs it: dist/local-writer.mjs, built with the agent by the
 * global setup (scripts/build-agent.mjs). Run from the TypeScript sources, the catalog has no writer beside it.
 */
export const LOCAL_WRITER_SCRIPT = new URL("../../dist/local-writer.mjs", import.meta.url);
