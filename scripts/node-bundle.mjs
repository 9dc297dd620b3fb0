// How every TypeScript entry of this project is bundled for Node 20 (which cannot run TypeScript): one ESM file,
// dependencies left in node_modules (jq-wasm finds its files through __dirname, better-sqlite3 is native).
export const NODE_BUNDLE = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
};

// The local catalog's writer thread starts from its own file, found beside the bundle that opens the catalog
// (relay/catalog/local/local-writer-thread.ts). Every script that bundles the agent builds it into the same folder.
export const LOCAL_WRITER = { entry: "relay/catalog/local/local-writer-entry.ts", file: "local-writer.mjs" };
