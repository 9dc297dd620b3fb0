import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** Where `test/support/global-setup.ts` (and {@link buildWorkerBundle}) put the bundled edge Worker. */
export const WORKER_BUNDLE_DIR = ".tmp/worker-dist";

/** The environment every wrangler or Miniflare start gets: no telemetry, no update check, no Request.cf fetch. */
export function quietWranglerEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
  };
}

/**
 * Bundles the edge Worker offline (`wrangler deploy --dry-run`), exactly as a deploy would, so that what runs
 * locally in Miniflare is what Cloudflare would run.
 * @returns the path of the bundled module
 */
export function buildWorkerBundle(root: string, outdir = WORKER_BUNDLE_DIR): string {
  try {
    execFileSync(
      process.execPath,
      [join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir],
      { cwd: root, env: quietWranglerEnv(), stdio: "pipe" },
    );
  } catch (error) {
    const stderr = error instanceof Error && "stderr" in error ? String(error.stderr) : "";
    throw new Error(`bundling the edge Worker failed (wrangler deploy --dry-run):\n${stderr}`);
  }
  return workerBundlePath(root, outdir);
}

/** @throws when the bundle has not been built */
export function workerBundlePath(root: string, outdir = WORKER_BUNDLE_DIR): string {
  const path = resolve(root, outdir, "index.js");
  if (!existsSync(path)) {
    throw new Error(`no edge bundle at ${path}: build it with buildWorkerBundle() or run the node tests' global setup`);
  }
  return path;
}
