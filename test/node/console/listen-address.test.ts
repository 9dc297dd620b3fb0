import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseListenAddress } from "../../../relay/console/listen-address";
import { bbrelay } from "../../support/cli-runner";

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the listen address", () => {
  it("reads HOST:PORT, [IPv6]:PORT, :PORT and off, and knows loopback from the rest", () => {
    expect(parseListenAddress("127.0.0.1:9464")).toEqual({
      kind: "listen",
      host: "127.0.0.1",
      port: 9464,
      loopback: true,
    });
    expect(parseListenAddress("[::1]:80")).toEqual({ kind: "listen", host: "::1", port: 80, loopback: true });
    expect(parseListenAddress(":0")).toEqual({ kind: "listen", host: "127.0.0.1", port: 0, loopback: true });
    expect(parseListenAddress("localhost:9000")).toMatchObject({ loopback: true });
    expect(parseListenAddress("0.0.0.0:9464")).toEqual({
      kind: "listen",
      host: "0.0.0.0",
      port: 9464,
      loopback: false,
    });
    expect(parseListenAddress("[::]:9464")).toMatchObject({ host: "::", loopback: false });
    expect(parseListenAddress("10.1.2.3:9464")).toMatchObject({ loopback: false });
    expect(parseListenAddress("OFF")).toEqual({ kind: "off" });
  });

  it("refuses what it cannot bind to as given, saying what is expected", () => {
    for (const text of ["9464", "host.example.com:9464", "127.0.0.1:70000", "127.0.0.1:", "[::1:9464", "1.2.3.4:x"]) {
      expect(parseListenAddress(text), text).toMatchObject({ kind: "invalid", problem: expect.any(String) });
    }
  });
});

describe("bbrelay run's listener settings", () => {
  function env(extra: Record<string, string>): Record<string, string> {
    const dir = mkdtempSync(join(tmpdir(), "bbrelay-listen-"));
    dirs.push(dir);
    return {
      BITBUCKET_URL: "http://127.0.0.1:9",
      BITBUCKET_TOKEN: "bitbucket-token",
      RELAY_URL: "http://127.0.0.1:9",
      RELAY_AGENT_TOKEN: "agent-token-0123456789",
      CATALOG_PATH: join(dir, "catalog.sqlite"),
      BBRELAY_STATE_DIR: join(dir, "state"),
      ...extra,
    };
  }

  it("refuses an address off loopback without BBRELAY_CONSOLE_TOKEN (exit 2), naming the setting and the fix", async () => {
    const fromFlag = await bbrelay(["run", "--listen", "0.0.0.0:0"], { env: env({}) });
    const fromEnv = await bbrelay(["run"], { env: env({ BBRELAY_LISTEN: "0.0.0.0:0" }) });

    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toContain(
      "--listen: 0.0.0.0 is not a loopback address, and BBRELAY_CONSOLE_TOKEN is not set",
    );
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain("BBRELAY_LISTEN: 0.0.0.0 is not a loopback address");
  });

  it("refuses a malformed address (exit 2)", async () => {
    const run = await bbrelay(["run", "--listen", "everywhere"], { env: env({}) });

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--listen: must be HOST:PORT");
  });

  it("says which address is taken when the port is in use (exit 1)", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const run = await bbrelay(["run", "--listen", `127.0.0.1:${port}`, "--no-webhooks"], { env: env({}) });

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
