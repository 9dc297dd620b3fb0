// Runs one benchmark of test/bench/ (or all of them): bundles the TypeScript with esbuild, then runs it in a
// fresh Node process with --expose-gc so that it can measure memory honestly. Usage: node scripts/bench.mjs <name>...
// [--option ...]
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { build } from "esbuild";
import { LOCAL_WRITER, NODE_BUNDLE } from "./node-bundle.mjs";

const root = new URL("..", import.meta.url).pathname;
const available = readdirSync(`${root}test/bench`)
  .filter((file) => file.endsWith(".bench.ts"))
  .map((file) => file.slice(0, -".bench.ts".length))
  .sort();
// Words are benchmarks; options (from the first word starting with -) go to each of them after BENCH_ARGS, so that
// `npm run bench:resync -- --scale 0.05` and `-- --help` reach the benchmark.
const args = process.argv.slice(2);
const firstOption = args.findIndex((arg) => arg.startsWith("-"));
const words = firstOption === -1 ? args : args.slice(0, firstOption);
const options = firstOption === -1 ? [] : args.slice(firstOption);
const names = words.length > 0 ? words : available;
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

for (const name of names) {
  if (!available.includes(name)) {
    console.error(`no benchmark "${name}"; available: ${available.join(", ")}`);
    process.exit(2);
  }
  const outfile = `${root}.tmp/bench/${name}.mjs`;
  await build({
    entryPoints: [`${root}test/bench/${name}.bench.ts`],
    outfile,
    ...NODE_BUNDLE,
  });
  await build({
    entryPoints: [`${root}${LOCAL_WRITER.entry}`],
    outfile: `${root}.tmp/bench/${LOCAL_WRITER.file}`,
    ...NODE_BUNDLE,
  });
  console.log(`\n== bench:${name} ==`);
  const result = spawnSync(
    process.execPath,
    ["--expose-gc", outfile, ...(process.env.BENCH_ARGS ?? "").split(" ").filter(Boolean), ...options],
    {
      stdio: "inherit",
      env,
      cwd: root,
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
}
