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
