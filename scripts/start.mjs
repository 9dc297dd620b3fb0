// `npm start`: the whole pipeline on this machine (see scripts/start.ts). Node 20 cannot run TypeScript, so the
// entry is bundled with esbuild (already in the tree through wrangler) into .tmp/start/ and run from there.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { build } from "esbuild";
import { LOCAL_WRITER, NODE_BUNDLE } from "./node-bundle.mjs";

const root = new URL("..", import.meta.url).pathname;
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.WRANGLER_HIDE_BANNER ??= "true";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

const outfile = `${root}.tmp/start/start.mjs`;
const { outputFiles } = await build({
  entryPoints: [`${root}scripts/start.ts`],
  outfile,
  ...NODE_BUNDLE,
  write: false,
});
const writer = await build({ entryPoints: [`${root}${LOCAL_WRITER.entry}`], ...NODE_BUNDLE, write: false });
// Written under a private name and renamed: two `npm start`s at once never import a half-written file.
mkdirSync(`${root}.tmp/start`, { recursive: true });
for (const [file, contents] of [
  [`${root}.tmp/start/${LOCAL_WRITER.file}`, writer.outputFiles[0].contents],
  [outfile, outputFiles[0].contents],
]) {
  writeFileSync(`${file}.${process.pid}`, contents);
  renameSync(`${file}.${process.pid}`, file);
}
const { main, exitCodeOf } = await import(outfile);
process.chdir(root);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  // A usage or configuration error exits 2, anything else 1: the agent's CLI decides (relay/cli/errors.ts).
  process.exitCode = exitCodeOf(error) ?? 1;
}
