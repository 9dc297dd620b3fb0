// Bundles the agent (`bbrelay`) into dist/bbrelay.mjs with esbuild, which wrangler already brings into the
// tree: Node 20 cannot run TypeScript itself. Runs on `npm install` (prepare).
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { LOCAL_WRITER, NODE_BUNDLE } from "./node-bundle.mjs";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

await build({
  entryPoints: [new URL("../relay/cli/bin.ts", import.meta.url).pathname],
  outfile: new URL("../dist/bbrelay.mjs", import.meta.url).pathname,
  ...NODE_BUNDLE,
  sourcemap: "linked",
  define: { BBRELAY_VERSION: JSON.stringify(version) },
});

await build({
  entryPoints: [new URL(`../${LOCAL_WRITER.entry}`, import.meta.url).pathname],
  outfile: new URL(`../dist/${LOCAL_WRITER.file}`, import.meta.url).pathname,
  ...NODE_BUNDLE,
  sourcemap: "linked",
});
