import { describe, expect, it } from "vitest";
import { UsageError } from "../../../relay/cli/errors";
import { parseAgentLogLine } from "../../../scripts/agent-log-events";
import { parseStartOptions } from "../../../scripts/start-options";

const ROOT = "/repo";

describe("npm start's options", () => {
  it("runs the simulation with no configuration, on the embedded defaults", () => {
    expect(parseStartOptions([], {}, ROOT)).toEqual({
      mode: "simulation",
      root: ROOT,
      host: undefined,
      port: 8787,
      stateDir: undefined,
      secretsFile: undefined,
      bundleDir: undefined,
      demoDir: "/repo/.tmp/demo",
      paceMs: 3000,
      seed: 1,
      publicUrl: null,
    });
  });

  it.each([
    [{ BITBUCKET_URL: "https://bitbucket.example.com" }, [], "bitbucket"],
    [{ BITBUCKET_URL: "  " }, [], "simulation"],
    [{ BITBUCKET_URL: "https://bitbucket.example.com" }, ["--edge-only"], "edge-only"],
    [{}, ["--edge-only"], "edge-only"],
  ] as const)("picks the mode from the environment and flags (%o %o)", (env, argv, mode) => {
    expect(parseStartOptions(argv, env, ROOT)?.mode).toBe(mode);
  });

  it("reads the flags", () => {
    const options = parseStartOptions(
      ["--port", "0", "--pace", "0.25", "--seed", "9", "--demo-dir", "demo", "--host", "0.0.0.0"],
      { EDGE_PORT: "9000" },
      ROOT,
    );

    expect(options).toMatchObject({ port: 0, paceMs: 250, seed: 9, demoDir: "/repo/demo", host: "0.0.0.0" });
  });

  it("takes EDGE_PORT when --port is not given, and a public URL with a real server", () => {
    expect(parseStartOptions([], { EDGE_PORT: "9000" }, ROOT)?.port).toBe(9000);
    expect(
      parseStartOptions(
        ["--public-url", "https://relay.example.com/"],
        { BITBUCKET_URL: "https://b.example.com" },
        ROOT,
      )?.publicUrl,
    ).toBe("https://relay.example.com");
  });

  it("reports every bad value at once", () => {
    const parse = () =>
      parseStartOptions(["--port", "70000", "--pace", "fast", "--public-url", "https://x.example.com"], {}, ROOT);

    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(
      /--port must be 0 \(any free port\) to 65535, not "70000".*--pace must be a number of seconds, not "fast".*--public-url is for a real Bitbucket Server/,
    );
  });

  it("refuses the simulation's flags with a real server, and unknown flags", () => {
    expect(() => parseStartOptions(["--pace", "1"], { BITBUCKET_URL: "https://b.example.com" }, ROOT)).toThrow(
      /--pace is for the simulation/,
    );
    expect(() => parseStartOptions(["--speed", "1"], {}, ROOT)).toThrow(
      /Unknown option '--speed'.*npm start -- --help/,
    );
  });

  it("returns null for --help", () => {
    expect(parseStartOptions(["--help"], {}, ROOT)).toBeNull();
  });
});

describe("the agent's log lines npm start follows", () => {
  const line = (fields: Record<string, unknown>) => JSON.stringify({ time: "2026-01-01T00:00:00.000Z", ...fields });

  it.each([
    [line({ level: "info", msg: "Agent started", edge: "http://127.0.0.1:1" }), { event: "started" }],
    [line({ level: "info", msg: "Resync started", runId: 1 }), { event: "resync-started" }],
    [
      line({ level: "info", msg: "Resync finished", status: "succeeded", durationMs: 812, deleted: 0 }),
      { event: "resync-finished", status: "succeeded", durationMs: 812 },
    ],
    [
      line({
        level: "warn",
        msg: "Webhooks reconciled with failures (see bbrelay webhooks list)",
        when: "at start",
        created: 1,
        updated: 0,
        unchanged: 2,
        failed: 1,
      }),
      { event: "webhooks", when: "at start", ok: false, created: 1, updated: 0, unchanged: 2, failed: 1 },
    ],
    // The installer's own line (no `when`) is not `bbrelay run`'s report.
    [line({ level: "info", msg: "Webhooks reconciled", component: "webhooks", created: 3 }), { event: "other" }],
    [
      line({ level: "warn", msg: "Waiting for the edge", error: "fetch failed", retryInMs: 800 }),
      { event: "problem", level: "warn", message: "Waiting for the edge", details: "error=fetch failed retryInMs=800" },
    ],
    [line({ level: "debug", msg: "Message processed" }), { event: "other" }],
    ["the environment has 1 problem:", { event: "text", text: "the environment has 1 problem:" }],
    ['{"not":"a log line"}', { event: "text", text: '{"not":"a log line"}' }],
  ])("%s", (text, event) => {
    expect(parseAgentLogLine(text)).toEqual(event);
  });
});
