import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/index";
import { bbrelay, fakeBitbucketEnv } from "../../support/cli-runner";

// doctor against dead dependencies: each dead host is tried once (no retries: the circuit refuses the rest), every
// check is printed as soon as it is known, and configuration files are named by the variable that points to them.
// Nothing here measures time: the tests count attempts and watch the order of the output.

/** fetch as it was before any test wrapped it (the count above passes every call on to it). */
const realFetch = globalThis.fetch.bind(globalThis);

let fake: FakeBitbucketServer;
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  fake = await FakeBitbucketServer.start();
  fake.generate({ seed: 2, projects: 1, repositories: 2, pullRequests: 2, users: 2 });
  dir = mkdtempSync(join(tmpdir(), "bbrelay-doctor-fast-"));
  env = fakeBitbucketEnv(fake.url, dir, FAKE_ADMIN);
});

afterEach(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A port that was just free and is closed again: connections to it are refused. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function check(stdout: string, name: string): { status: string; message: string } | undefined {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { name: string; status: string; message: string })
    .find((entry) => entry.name === name);
}

describe("doctor against dead dependencies", () => {
  it.each([
    ["refuses connections", async () => `http://127.0.0.1:${await closedPort()}`],
    // fetch never connects to ports on the Fetch standard's block list, such as 9 (discard).
    ["is on fetch's blocked ports", async () => "http://127.0.0.1:9"],
  ])("tries a Port that %s once, and says so", async (_case, url) => {
    const run = await bbrelay(["doctor", "--log-format", "json"], {
      env: { ...env, PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "secret", PORT_BASE_URL: await url() },
    });

    expect(run.code).toBe(1);
    expect(check(run.stdout, "catalog.reachable")).toMatchObject({ status: "fail" });
    expect(run.stderr).not.toMatch(/retrying/);
    expect(check(run.stdout, "bitbucket.credentials")).toMatchObject({ status: "ok" });
  });

  it("tries a Bitbucket that refuses connections once", async () => {
    const run = await bbrelay(["doctor", "--log-format", "json"], {
      env: { ...env, BITBUCKET_URL: `http://127.0.0.1:${await closedPort()}` },
    });

    expect(run.code).toBe(1);
    expect(check(run.stdout, "bitbucket.reachable")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("ECONNREFUSED"),
    });
    expect(run.stderr).not.toMatch(/retrying/);
  });

  it("tries a dead Bitbucket and a dead Port together once each, with no retry waits", async () => {
    const bitbucket = `http://127.0.0.1:${await closedPort()}`;
    const port = `http://127.0.0.1:${await closedPort()}`;
    const attempts = new Map<string, number>();
    const spy = vi.spyOn(globalThis, "fetch");
    spy.mockImplementation(async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      attempts.set(url.origin, (attempts.get(url.origin) ?? 0) + 1);
      return realFetch(input, init);
    });
    try {
      const run = await bbrelay(["doctor", "--log-format", "json"], {
        env: {
          ...env,
          BITBUCKET_URL: bitbucket,
          PORT_CLIENT_ID: "id",
          PORT_CLIENT_SECRET: "secret",
          PORT_BASE_URL: port,
        },
      });

      expect(run.code).toBe(1);
      expect(check(run.stdout, "bitbucket.reachable")).toMatchObject({ status: "fail" });
      expect(check(run.stdout, "catalog.reachable")).toMatchObject({ status: "fail" });
      // One connection each: the circuit answers every later request of the run at once, so nothing waits.
      expect(attempts.get(bitbucket)).toBe(1);
      expect(attempts.get(port)).toBe(1);
      expect(run.stderr).not.toMatch(/retrying/);
    } finally {
      spy.mockRestore();
    }
  });

  it("asks a Bitbucket, a Port and an edge that accept connections but never answer once each", async () => {
    // Each server takes the request and never answers (a proxy or a host under load): only the time limit ends it.
    const asked: Record<string, number> = { bitbucket: 0, port: 0, edge: 0 };
    const servers = await Promise.all(
      Object.keys(asked).map(async (name) => {
        const server = createHttpServer(() => {
          asked[name] = (asked[name] ?? 0) + 1;
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return { name, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
      }),
    );
    const url = (name: string) => servers.find((entry) => entry.name === name)?.url ?? "";
    try {
      const run = await bbrelay(["doctor", "--log-format", "json"], {
        env: {
          ...env,
          BITBUCKET_URL: url("bitbucket"),
          PORT_CLIENT_ID: "id",
          PORT_CLIENT_SECRET: "secret",
          PORT_BASE_URL: url("port"),
          RELAY_URL: url("edge"),
          RELAY_AGENT_TOKEN: "agent-token-0123456789",
        },
      });

      expect(run.code).toBe(1);
      expect(check(run.stdout, "bitbucket.reachable")).toMatchObject({ status: "fail" });
      expect(check(run.stdout, "catalog.reachable")).toMatchObject({ status: "fail" });
      expect(check(run.stdout, "edge.reachable")).toMatchObject({ status: "fail" });
      // One request each, bounded by doctor's time limit: no retries, and Port is not asked again by the catalog checks.
      expect(asked).toEqual({ bitbucket: 1, port: 1, edge: 1 });
      expect(run.stderr).not.toMatch(/retrying/);
    } finally {
      for (const { server } of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    }
  }, 60_000);

  it("prints each check as soon as it is known, before a slow one ends", async () => {
    fake.faults.add({ path: "/rest/api/1.0/application-properties", nth: 1, times: 100, action: { type: "hang" } });
    const stop = new AbortController();
    let output = "";
    const running = bbrelay(["doctor"], { env, signal: stop.signal, onOutput: (chunk) => (output += chunk) });

    // Wait (no time is measured) until Bitbucket's first request hangs: what is printed then was printed before.
    await vi.waitFor(
      () => expect(fake.requests.entries.some((entry) => entry.path.endsWith("/application-properties"))).toBe(true),
      { timeout: 30_000, interval: 20 },
    );
    const printedWhileHanging = output;
    stop.abort();
    const run = await running;

    expect(printedWhileHanging).toContain('"name":"config.mapping"');
    expect(printedWhileHanging).toContain('"name":"config.state"');
    expect(printedWhileHanging).not.toContain("bitbucket.");
    expect(check(run.stdout, "config.mapping")).toMatchObject({ status: "ok" });
  });

  it("prints each Bitbucket check before the next Bitbucket request goes out", async () => {
    // What Bitbucket had been asked at the moment each line was written (the output callback runs as it is written).
    const askedWhenPrinted = new Map<string, string[]>();
    const run = await bbrelay(["doctor"], {
      env,
      onOutput: (chunk) => {
        for (const line of chunk.split("\n")) {
          const name = /"name":"(bitbucket\.[a-z-]+)"/.exec(line)?.[1];
          if (name !== undefined)
            askedWhenPrinted.set(
              name,
              fake.requests.entries.map((entry) => entry.path),
            );
        }
      },
    });

    expect(check(run.stdout, "bitbucket.permissions")).toMatchObject({ status: "ok" });
    const reachable = askedWhenPrinted.get("bitbucket.reachable") ?? [];
    expect(reachable.some((path) => path.endsWith("/application-properties"))).toBe(true);
    expect(reachable.some((path) => path.endsWith("/users") || path.includes("/projects"))).toBe(false);
    const credentials = askedWhenPrinted.get("bitbucket.credentials") ?? [];
    expect(credentials.some((path) => path.endsWith("/users"))).toBe(true);
    expect(credentials.some((path) => path.includes("/projects"))).toBe(false);
  });

  it("creates no file on a fresh machine: the state and the local catalog are only looked at", async () => {
    const fresh = join(dir, "fresh");
    const run = await bbrelay(["doctor"], {
      env: { ...env, CATALOG_PATH: join(fresh, "data", "catalog.sqlite"), BBRELAY_STATE_DIR: join(fresh, "state") },
    });

    expect(run.code).toBe(0);
    expect(existsSync(fresh)).toBe(false);
    expect(check(run.stdout, "catalog.reachable")?.message).toMatch(/not created yet \(the first resync does\)/);
    expect(check(run.stdout, "config.state")?.message).toMatch(/not created yet/);
    expect(check(run.stdout, "mapping.blueprints")).toMatchObject({ status: "ok" });
  });

  it("names BBRELAY_BLUEPRINTS and its file in each of the file's problems", async () => {
    const file = join(dir, "blueprints.json");
    writeFileSync(file, JSON.stringify([{ identifier: "x", title: "X", schema: { properties: {}, required: ["y"] } }]));

    const run = await bbrelay(["doctor"], { env: { ...env, BBRELAY_BLUEPRINTS: file } });

    expect(run.code).toBe(1);
    expect(check(run.stdout, "config.blueprints")).toMatchObject({
      status: "fail",
      message: `BBRELAY_BLUEPRINTS (${file}): [0].schema.required: "y" is not a property of the blueprint`,
    });
  });
});
