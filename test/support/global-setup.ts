import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * Bundles the worker once, offline, for the Node tests that run it in Miniflare over real HTTP, and builds the
 * agent bundle that the CLI tests spawn.
 */
export default function setup(): void {
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
  };
  run([resolve("node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", ".tmp/worker-dist"], env);
  run([resolve("scripts/build-agent.mjs")], env);
}

function run(args: string[], env: NodeJS.ProcessEnv): void {
  try {
    execFileSync(process.execPath, args, { env, stdio: "pipe" });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`global setup failed: node ${args.join(" ")}\n${stderr}`);
  }
}
