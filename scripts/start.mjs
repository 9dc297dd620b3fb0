// `npm start`: for now, the edge on this machine (see scripts/start.ts). Node 20 cannot run TypeScript, so the
// entry is bundled with esbuild (already in the tree through wrangler) into .tmp/start/ and run from there.
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.WRANGLER_HIDE_BANNER ??= "true";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

const outfile = `${root}.tmp/start/start.mjs`;
await build({
  entryPoints: [`${root}scripts/start.ts`],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
const { main } = await import(outfile);
process.chdir(root);
try {
  await main(process.argv.slice(2));
} catch (error) {
  console.error(`npm start: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
