import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { waitFor } from "../../support/live-fixture";
import { portIsFree } from "../../support/port-is-free";

/**
 * `npm start` as a user runs it: `node scripts/start.mjs` (what the npm script runs) in its own process, with no
 * Bitbucket configured, stopped by SIGTERM as Ctrl-C or a process manager would.
 */

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "bbrelay-start-script-"));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** The environment of a machine with nothing configured. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env))
    if (/^(BITBUCKET_|PORT_CLIENT|RELAY_|CATALOG_PATH|BBRELAY_)|^(WEBHOOK_SECRET|AGENT_TOKEN|EDGE_PORT)$/.test(name))
      delete env[name];
  return env;
}

describe("npm start", () => {
  it("shows entities arriving live from the simulation, answers the printed query, and exits 0 on SIGTERM with its ports released", async () => {
    const child = spawn(
      process.execPath,
      [
        "scripts/start.mjs",
        "--port",
        "0",
        "--pace",
        "0.3",
        "--demo-dir",
        join(dir, "demo"),
        "--secrets-file",
        join(dir, "dev.vars"),
        "--bundle-dir",
        join(dir, "bundle"),
      ],
      { env: bareEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );

    await waitFor(
      () => /catalog \+ bitbucketPullRequest \S+\/\S+\/\d+/.test(output) || child.exitCode !== null,
      120_000,
      `a pull request arriving live; output so far:\n${output}`,
    );
    const edgePort = Number(/Edge\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    const simulatorPort = Number(/Bitbucket\s+http:\/\/127\.0\.0\.1:(\d+)\s+\[simulation\]/.exec(output)?.[1]);
    const arrived = /catalog \+ bitbucketPullRequest (\S+\/\S+\/\d+)/.exec(output)?.[1];
    // The query the banner prints, run while npm start runs.
    const hint = /(CATALOG_PATH=\S+) npx bbrelay catalog export/.exec(output)?.[1] ?? "";
    const exported = await run(
      process.execPath,
      ["bin/bbrelay.js", "catalog", "export", "--blueprint", "bitbucketPullRequest"],
      {
        env: { ...bareEnv(), CATALOG_PATH: hint.slice("CATALOG_PATH=".length) },
      },
    );
    child.kill("SIGTERM");
    const exit = await exited;

    expect(output).toMatch(/fed by a SIMULATED Bitbucket Server \[simulation\]/);
    expect(output).toMatch(
      /First resync succeeded in [\d.]+ s: \d+ created, 0 updated, 0 deleted\. The local catalog now holds:\n {2}bitbucketProject +3\n/,
    );
    const identifiers = z
      .array(z.looseObject({ identifier: z.string() }))
      .parse(JSON.parse(exported.stdout))
      .map((entity) => entity.identifier);
    expect(identifiers).toContain(arrived);
    // Catalog lines may still come between the two: the agent finishes and acks what it holds while stopping.
    expect(output).toMatch(/Stopping: the agent finishes what it holds, then the servers stop…\n(?:.*\n)*Stopped\.\n$/);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await portIsFree(edgePort)).toBe(true);
    expect(await portIsFree(simulatorPort)).toBe(true);
  }, 180_000);

  it("prints its options with --help, and refuses a bad one with exit 2", async () => {
    const help = await run(process.execPath, ["scripts/start.mjs", "--help"], { env: bareEnv() });
    const bad = await run(process.execPath, ["scripts/start.mjs", "--port", "http"], { env: bareEnv() }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

    expect(help.stdout).toMatch(/^Usage: npm start \[-- OPTIONS\]/);
    expect(help.stdout).toContain("--edge-only");
    expect(bad).toEqual({ code: 2, stderr: 'npm start: --port must be a port number, not "http"\n' });
  });
});
