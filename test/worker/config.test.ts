import { describe, expect, it } from "vitest";
import { readSettings } from "../../worker/config/settings";
import { readTenants } from "../../worker/config/tenants";

const TOKEN = "0123456789abcdef0123";

describe("tenants", () => {
  it("configures `default` from WEBHOOK_SECRET and AGENT_TOKEN", () => {
    const read = readTenants({ WEBHOOK_SECRET: "s", AGENT_TOKEN: TOKEN });

    expect(read).toEqual({
      ok: true,
      tenants: new Map([
        ["default", { name: "default", webhookSecrets: ["s"], agentTokens: [TOKEN], acceptUnsigned: false }],
      ]),
    });
  });

  it("reads several tenants from RELAY_TENANTS and merges `default` with the two variables", () => {
    const read = readTenants({
      WEBHOOK_SECRET: "current",
      RELAY_TENANTS: JSON.stringify({
        tenants: {
          default: { webhookSecrets: ["previous"], agentTokens: [TOKEN] },
          acme: { webhookSecrets: ["a1", "a2"], agentTokens: [TOKEN, `${TOKEN}x`], acceptUnsigned: true },
        },
      }),
    });

    expect(read.ok && [...read.tenants.values()]).toEqual([
      { name: "default", webhookSecrets: ["current", "previous"], agentTokens: [TOKEN], acceptUnsigned: false },
      { name: "acme", webhookSecrets: ["a1", "a2"], agentTokens: [TOKEN, `${TOKEN}x`], acceptUnsigned: true },
    ]);
  });

  it("has no tenant at all without any secret", () => {
    expect(readTenants({})).toEqual({ ok: true, tenants: new Map() });
  });

  it.each([
    ["{not json", "RELAY_TENANTS is not valid JSON"],
    ['{"acme":{}}', "RELAY_TENANTS: has 1 unknown field(s)"],
    ['{"tenants":{"Bad Name":{}}}', "RELAY_TENANTS.tenants.<key>: is not a valid name"],
    ['{"tenants":{"acme":{"webhookSecrets":"one"}}}', "RELAY_TENANTS.tenants.acme.webhookSecrets: must be an array"],
    [
      '{"tenants":{"acme":{"webhookSecrets":["a","b","c"]}}}',
      "RELAY_TENANTS.tenants.acme.webhookSecrets: must list at most 2 item(s)",
    ],
    [
      '{"tenants":{"acme":{"webhookSecrets":[""]}}}',
      "RELAY_TENANTS.tenants.acme.webhookSecrets[0]: must be at least 1 characters",
    ],
    ['{"tenants":{"acme":{"acceptUnsigned":"yes"}}}', "RELAY_TENANTS.tenants.acme.acceptUnsigned: must be a boolean"],
  ])("explains %s as %s", (json, problem) => {
    const read = readTenants({ RELAY_TENANTS: json });

    expect(read.ok).toBe(false);
    expect(!read.ok && read.problems.join("\n")).toContain(problem);
  });

  it("reports every problem at once and never quotes a value", () => {
    const leaked = "tok-leak";
    const read = readTenants({
      WEBHOOK_SECRET: "",
      AGENT_TOKEN: leaked,
      RELAY_TENANTS: JSON.stringify({ tenants: { acme: { agentTokens: [leaked], [leaked]: true } } }),
    });

    expect(read.ok).toBe(false);
    const problems = read.ok ? [] : read.problems;
    expect(problems).toHaveLength(4);
    expect(problems.join("\n")).not.toContain(leaked);
    expect(problems).toContain("AGENT_TOKEN must be at least 16 characters (generate one with `openssl rand -hex 32`)");
  });

  it("never quotes the JSON text around a syntax error", () => {
    const read = readTenants({ RELAY_TENANTS: '{"tenants":{"acme":{"webhookSecrets":["hunter2"]}}' });

    expect(!read.ok && read.problems.join("\n")).not.toContain("hunter2");
  });
});

describe("settings", () => {
  it("falls back to the defaults", () => {
    expect(readSettings({})).toEqual({
      ok: true,
      settings: {
        maxBodyBytes: 10 * 1024 * 1024,
        retentionMs: 14 * 24 * 60 * 60 * 1000,
        backlogCap: 100_000,
        maxAttempts: 10,
        defaultVisibilityMs: 60_000,
      },
    });
  });

  it("reads [vars] given as strings or numbers", () => {
    const read = readSettings({
      MAX_BODY_BYTES: "2048",
      RETENTION_DAYS: 1,
      BACKLOG_CAP: " 50 ",
      MAX_ATTEMPTS: "3",
      VISIBILITY_TIMEOUT_MS: 5_000,
    });

    expect(read).toEqual({
      ok: true,
      settings: {
        maxBodyBytes: 2048,
        retentionMs: 86_400_000,
        backlogCap: 50,
        maxAttempts: 3,
        defaultVisibilityMs: 5_000,
      },
    });
  });

  it("names every bad variable", () => {
    const read = readSettings({ MAX_BODY_BYTES: String(26 * 1024 * 1024), MAX_ATTEMPTS: "0", RETENTION_DAYS: "two" });

    expect(!read.ok && read.problems).toEqual([
      "MAX_BODY_BYTES: must be at most 26214400",
      "RETENTION_DAYS: must be a number",
      "MAX_ATTEMPTS: must be at least 1",
    ]);
  });
});
