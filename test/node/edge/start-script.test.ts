import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDotenv } from "../../../scripts/local-edge";
import { QueueStats } from "../../../shared/protocol/schema";
import { deliverWebhook } from "../../support/webhook-delivery";

const dir = mkdtempSync(join(tmpdir(), "bbrelay-start-"));
const secretsFile = join(dir, "dev.vars");
const children: ChildProcess[] = [];

/** Runs `npm start -- --edge-only` on a free port and waits (with a deadline) until it prints its URL. */
async function start(): Promise<{ child: ChildProcess; output: () => string; url: string }> {
  const child = spawn(
    process.execPath,
    [
      "scripts/start.mjs",
      "--edge-only",
      "--port",
      "0",
      "--state-dir",
      join(dir, "state"),
      "--secrets-file",
      secretsFile,
      "--bundle-dir",
      join(dir, "bundle"),
    ],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URL within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const match = /Edge URL\s+(http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined && output.includes("Ctrl+C")) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => reject(new Error(`npm start exited (${String(code)}):\n${output}`)));
  });
  return { child, output: () => output, url };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? null : 0))),
  );
  child.kill("SIGTERM");
  return exited;
}

afterAll(async () => {
  for (const child of children) await stop(child);
  rmSync(dir, { recursive: true, force: true });
});

describe("npm start -- --edge-only", () => {
  it("generates development secrets once, prints them, and serves the edge with its state kept between runs", async () => {
    const first = await start();
    const secrets = parseDotenv(readFileSync(secretsFile, "utf8"));
    const webhookSecret = secrets.get("WEBHOOK_SECRET") ?? "";
    const agentToken = secrets.get("AGENT_TOKEN") ?? "";
    const delivered = await deliverWebhook(first.url, "default", {
      eventKey: "repo:refs_changed",
      body: { eventKey: "repo:refs_changed", repository: { slug: "r", project: { key: "P" } }, changes: [] },
      secret: webhookSecret,
    });
    await stop(first.child);

    const second = await start();
    const stats = QueueStats.parse(
      await (
        await fetch(`${second.url}/agent/v1/default/stats`, { headers: { authorization: `Bearer ${agentToken}` } })
      ).json(),
    );
    await stop(second.child);

    expect(webhookSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(agentToken).toMatch(/^[0-9a-f]{64}$/);
    expect(first.output()).toContain(webhookSecret);
    expect(first.output()).toContain(agentToken);
    expect(first.output()).toContain("(generated now)");
    expect(second.output()).not.toContain("(generated now)");
    expect(parseDotenv(readFileSync(secretsFile, "utf8"))).toEqual(secrets);
    expect(delivered.status).toBe(202);
    expect(stats).toMatchObject({ tenant: "default", backlog: 1, counters: { received: 1 } });
  });
});
