import { spawn } from "node:child_process";
import { type AddressInfo, createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// npm start on a port something else holds: one clear line and exit 2, before workerd starts (so no stack trace).

const ROOT = join(import.meta.dirname, "..", "..", "..");
let holder: Server | null = null;

afterEach(async () => {
  const server = holder;
  holder = null;
  if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, "scripts", "start.mjs"), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_HIDE_BANNER: "true",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npm start on a busy port", () => {
  it("says so in one line and exits 2", async () => {
    const server = createServer();
    holder = server;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;

    const result = await run(["--edge-only", "--port", String(port)]);

    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      `npm start: port ${port} is in use: stop what holds it, or run \`npm start -- --port 0\` (any free port)`,
    ]);
  }, 120_000);
});
