import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/live-fixture";

/**
 * SIGTERM to the `npm start` process itself (what a process manager or `kill` sends to the PID it knows) stops the
 * whole pipeline: nothing of it is left running, holding the edge's port.
 */

const ROOT = join(import.meta.dirname, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "bbrelay-npm-sigterm-"));

afterAll(async () => {
  for (const pid of await pipelinePids()) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** The processes of this test's pipeline: the only ones whose command line names its demo folder. */
async function pipelinePids(): Promise<number[]> {
  const { stdout } = await promisify(execFile)("ps", ["-eo", "pid=,args="]);
  return stdout
    .split("\n")
    .filter((line) => line.includes(join(dir, "demo")) && !line.includes(" ps "))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((pid) => Number.isFinite(pid) && pid !== process.pid);
}

describe("npm start under SIGTERM", () => {
  it("stops every process of the pipeline when npm itself gets SIGTERM", async () => {
    const env = { ...process.env };
    for (const name of Object.keys(env))
      if (/^(BITBUCKET_|PORT_CLIENT|RELAY_|CATALOG_PATH|BBRELAY_)/.test(name)) delete env[name];
    const npm = spawn(
      "npm",
      [
        "start",
        "--",
        "--port",
        "0",
        "--demo-dir",
        join(dir, "demo"),
        "--secrets-file",
        join(dir, "dev.vars"),
        "--bundle-dir",
        join(dir, "bundle"),
      ],
      { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    npm.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
    await waitFor(
      () => output.includes("Starting the agent") || npm.exitCode !== null,
      120_000,
      `the pipeline started:\n${output}`,
    );
    expect((await pipelinePids()).length).toBeGreaterThan(1);

    npm.kill("SIGTERM");
    await exited;

    await waitFor(
      async () => (await pipelinePids()).length === 0,
      60_000,
      `the pipeline's processes exited:\n${output}`,
    );
  }, 240_000);
});
