import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../relay/config/config-error";
import { defaultCatalogPath, defaultStateDir } from "../../../relay/config/data-paths";
import { loadEnvironment, requireBitbucket, requireRelay } from "../../../relay/config/environment";

const HOME = "/home/tester";

function load(env: Record<string, string>) {
  return loadEnvironment({ env, cwd: "/work/dir", homeDir: HOME });
}

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("the agent's environment", () => {
  it("reads the GitOps settings: off with BBRELAY_GITOPS=false, file names from BBRELAY_GITOPS_FILES", () => {
    expect(load({ BBRELAY_GITOPS: "false", BBRELAY_GITOPS_FILES: " port.yml, /.port/*.yaml " }).gitops).toEqual({
      enabled: false,
      files: ["port.yml", ".port/*.yaml"],
    });
    expect(problemsOf({ BBRELAY_GITOPS: "maybe", BBRELAY_GITOPS_FILES: "../secrets.yml" })).toEqual([
      "BBRELAY_GITOPS_FILES: a path must stay inside the repository (no ..)",
      "BBRELAY_GITOPS: must be true or false",
    ]);
  });

  it("has working defaults when nothing is set: local catalog and state under the XDG directories, built-in mapping", () => {
    expect(load({})).toEqual({
      bitbucket: null,
      relay: null,
      port: null,
      catalogPath: "/home/tester/.local/share/bbrelay/catalog.sqlite",
      mappingPath: null,
      stateDir: "/home/tester/.local/state/bbrelay",
      installationId: "local",
      blueprintsPath: null,
      bitbucketIsVersion8Point7OrOlder: null,
      jqEnv: {},
      integration: {
        enabled: true,
        mappingSource: "port",
        sendRawDataExamples: true,
        initializePortResources: true,
        pollIntervalSeconds: 60,
      },
      resyncIntervalMinutes: null,
      aliasNotes: [],
      jqTimeoutMs: 2000,
      listen: null,
      consoleToken: null,
      gitops: { enabled: true, files: ["port.yml"] },
      bitbucketConcurrency: 8,
      messageTimeoutMs: 300_000,
      drainTimeoutMs: 30_000,
    });
  });

  it("accepts Ocean's variable names for the same settings, ours winning with a note when both are set", () => {
    const environment = load({
      OCEAN__PORT__CLIENT_ID: "ocean-id",
      OCEAN__PORT__CLIENT_SECRET: "ocean-secret",
      OCEAN__PORT__BASE_URL: "https://api.us.getport.io",
      OCEAN__INTEGRATION__IDENTIFIER: "my-bitbucket-server",
      OCEAN__INTEGRATION__CONFIG__BITBUCKET_USERNAME: "svc",
      OCEAN__INTEGRATION__CONFIG__BITBUCKET_PASSWORD: "pw",
      OCEAN__INTEGRATION__CONFIG__BITBUCKET_BASE_URL: "https://bb.example.com",
      OCEAN__INTEGRATION__CONFIG__BITBUCKET_WEBHOOK_SECRET: "hook-secret",
      OCEAN__INTEGRATION__CONFIG__BITBUCKET_IS_VERSION8_POINT7_OR_OLDER: "true",
      OCEAN__SCHEDULED_RESYNC_INTERVAL: "120",
      OCEAN__SEND_RAW_DATA_EXAMPLES: "false",
      OCEAN__INITIALIZE_PORT_RESOURCES: "false",
      BBRELAY_INSTALLATION_ID: "ours-wins",
    });

    expect(environment.port).toEqual({
      clientId: "ocean-id",
      clientSecret: "ocean-secret",
      baseUrl: "https://api.us.getport.io",
    });
    expect(environment.bitbucket).toEqual({
      baseUrl: "https://bb.example.com",
      auth: { kind: "basic", username: "svc", password: "pw" },
    });
    expect(environment.installationId).toBe("ours-wins");
    expect(environment.bitbucketIsVersion8Point7OrOlder).toBe(true);
    expect(environment.resyncIntervalMinutes).toBe(120);
    expect(environment.integration).toMatchObject({ sendRawDataExamples: false, initializePortResources: false });
    expect(environment.aliasNotes).toContain(
      "BBRELAY_INSTALLATION_ID and Ocean's OCEAN__INTEGRATION__IDENTIFIER are both set; using BBRELAY_INSTALLATION_ID",
    );
    expect(environment.aliasNotes).toContain("using Ocean's OCEAN__PORT__CLIENT_ID as PORT_CLIENT_ID");
    expect(environment.aliasNotes.join("\n")).not.toContain("ocean-secret");
  });

  it("names every problem of the integration settings at once", () => {
    expect(() =>
      load({ BBRELAY_MAPPING_SOURCE: "editor", BBRELAY_RESYNC_INTERVAL: "0.5", BBRELAY_SEND_RAW_DATA_EXAMPLES: "yes" }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          "BBRELAY_MAPPING_SOURCE: must be port (Port's integration config) or file (the local mapping wins)",
          "BBRELAY_SEND_RAW_DATA_EXAMPLES: must be true or false",
          "BBRELAY_RESYNC_INTERVAL: must be a whole number of minutes, 1 or more (Ocean's scheduledResyncInterval)",
        ],
      }),
    );
  });

  it("takes jq-wasm's time budget from BBRELAY_JQ_TIMEOUT_MS, refusing what is not a sensible number of ms", () => {
    expect(load({ BBRELAY_JQ_TIMEOUT_MS: "500" }).jqTimeoutMs).toBe(500);
    for (const value of ["2s", "0", "-5", "1.5", "600001"]) {
      expect(problemsOf({ BBRELAY_JQ_TIMEOUT_MS: value })).toEqual([
        "BBRELAY_JQ_TIMEOUT_MS: must be a whole number of milliseconds from 10 to 600000 (default 2000)",
      ]);
    }
  });

  it("takes the Bitbucket requests in flight from BBRELAY_BITBUCKET_CONCURRENCY, refusing what the client cannot take", () => {
    expect(load({ BBRELAY_BITBUCKET_CONCURRENCY: "32" }).bitbucketConcurrency).toBe(32);
    expect(load({ BBRELAY_BITBUCKET_CONCURRENCY: " 1 " }).bitbucketConcurrency).toBe(1);
    for (const value of ["0", "257", "-4", "8.5", "eight"]) {
      expect(problemsOf({ BBRELAY_BITBUCKET_CONCURRENCY: value })).toEqual([
        `BBRELAY_BITBUCKET_CONCURRENCY: must be a whole number of requests from 1 to 256 (default 8), got ${JSON.stringify(value)}`,
      ]);
    }
  });

  it("takes the live path's bounds from BBRELAY_MESSAGE_TIMEOUT and BBRELAY_DRAIN_TIMEOUT, in seconds, every problem at once", () => {
    expect(load({})).toMatchObject({ messageTimeoutMs: 300_000, drainTimeoutMs: 30_000 });
    expect(load({ BBRELAY_MESSAGE_TIMEOUT: "45", BBRELAY_DRAIN_TIMEOUT: " 5 " })).toMatchObject({
      messageTimeoutMs: 45_000,
      drainTimeoutMs: 5_000,
    });
    expect(problemsOf({ BBRELAY_MESSAGE_TIMEOUT: "5m", BBRELAY_DRAIN_TIMEOUT: "0" })).toEqual([
      'BBRELAY_MESSAGE_TIMEOUT: must be a whole number of seconds from 1 to 86400 (default 300), got "5m"',
      'BBRELAY_DRAIN_TIMEOUT: must be a whole number of seconds from 1 to 3600 (default 30), got "0"',
    ]);
    for (const value of ["-1", "2.5", "86401"]) expect(problemsOf({ BBRELAY_MESSAGE_TIMEOUT: value })).toHaveLength(1);
  });

  it("gives a mapping's jq only the variables BBRELAY_JQ_ENV names, never the agent's secrets", () => {
    const env = {
      TEAM: "platform",
      REGION: "eu-west",
      OTHER: "not listed",
      BITBUCKET_TOKEN: "bbt-4c1d9e",
      BITBUCKET_URL: "https://bb.example.com",
    };

    expect(load({ ...env, BBRELAY_JQ_ENV: " TEAM, REGION ," }).jqEnv).toEqual({ TEAM: "platform", REGION: "eu-west" });
    const problems = problemsOf({ ...env, BBRELAY_JQ_ENV: "TEAM,BITBUCKET_TOKEN,MISSING,1BAD" });
    expect(problems).toEqual([
      "BBRELAY_JQ_ENV: BITBUCKET_TOKEN is one of the agent's secrets; a mapping must not read it",
      "BBRELAY_JQ_ENV: MISSING is not set; set it or take it off the list",
      'BBRELAY_JQ_ENV: "1BAD" is not a variable name (letters, digits and _, not starting with a digit)',
    ]);
    expect(problems.join("\n")).not.toContain("bbt-4c1d9e");
  });

  it("names the installation after the Bitbucket server unless told, and checks the name", () => {
    expect(load({ BITBUCKET_URL: "https://bb.example.com:8443/bitbucket/", BITBUCKET_TOKEN: "t" }).installationId).toBe(
      "bb.example.com:8443_bitbucket",
    );
    expect(load({ BBRELAY_INSTALLATION_ID: "prod-dc" }).installationId).toBe("prod-dc");
    expect(problemsOf({ BBRELAY_INSTALLATION_ID: "has/slash" })).toEqual([
      expect.stringMatching(/^BBRELAY_INSTALLATION_ID: .*no \/ or spaces/),
    ]);
  });

  it("reads the webhook secret, the blueprints file and the version override", () => {
    const environment = load({
      RELAY_URL: "https://relay.example.workers.dev",
      RELAY_AGENT_TOKEN: "agent-token",
      RELAY_WEBHOOK_SECRET: "hook-secret",
      BBRELAY_BLUEPRINTS: "bp.json",
      BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER: "TRUE",
    });

    expect(environment.relay?.webhookSecret).toBe("hook-secret");
    expect(environment.blueprintsPath).toMatch(/\/bp\.json$/);
    expect(environment.bitbucketIsVersion8Point7OrOlder).toBe(true);
    expect(problemsOf({ BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER: "maybe" })).toEqual([
      expect.stringMatching(/must be true or false/),
    ]);
  });

  it("follows XDG_DATA_HOME and XDG_STATE_HOME when absolute, and ignores relative ones as the spec says", () => {
    const inputs = { env: { XDG_DATA_HOME: "/data", XDG_STATE_HOME: "relative/state" }, homeDir: HOME };

    expect(defaultCatalogPath(inputs)).toBe("/data/bbrelay/catalog.sqlite");
    expect(defaultStateDir(inputs)).toBe("/home/tester/.local/state/bbrelay");
  });

  it("resolves relative paths against the working directory", () => {
    const environment = load({
      CATALOG_PATH: "cat.sqlite",
      BBRELAY_CONFIG: "conf/mapping.yaml",
      BBRELAY_STATE_DIR: "/var/lib/bbrelay",
    });

    expect(environment).toMatchObject({
      catalogPath: "/work/dir/cat.sqlite",
      mappingPath: "/work/dir/conf/mapping.yaml",
      stateDir: "/var/lib/bbrelay",
    });
  });

  it.each([
    [{ BITBUCKET_TOKEN: "tok-123456" }, { kind: "bearer", token: "tok-123456" }],
    [
      { BITBUCKET_USERNAME: "svc", BITBUCKET_PASSWORD: "pw-123456" },
      { kind: "basic", username: "svc", password: "pw-123456" },
    ],
    [
      { BITBUCKET_USERNAME: "svc", BITBUCKET_TOKEN: "tok-123456" },
      { kind: "basic", username: "svc", password: "tok-123456" },
    ],
  ])("reads Bitbucket credentials %j", (credentials, auth) => {
    const environment = load({ BITBUCKET_URL: "https://bb.example.com/bitbucket/", ...credentials });

    expect(environment.bitbucket).toEqual({ baseUrl: "https://bb.example.com/bitbucket", auth });
    expect(requireBitbucket(environment)).toBe(environment.bitbucket);
  });

  it("reads the edge and Port settings, with the EU base URL by default and eu/us shorthands", () => {
    const environment = load({
      RELAY_URL: "https://relay.example.workers.dev/",
      RELAY_AGENT_TOKEN: "agent-token",
      PORT_CLIENT_ID: "id",
      PORT_CLIENT_SECRET: "secret-1",
    });

    expect(environment.relay).toEqual({
      url: "https://relay.example.workers.dev",
      tenant: "default",
      agentToken: "agent-token",
      webhookSecret: null,
    });
    expect(requireRelay(environment)).toBe(environment.relay);
    expect(environment.port).toEqual({ clientId: "id", clientSecret: "secret-1", baseUrl: "https://api.getport.io" });
    expect(load({ PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "secret-1", PORT_BASE_URL: "US" }).port?.baseUrl).toBe(
      "https://api.us.getport.io",
    );
    expect(
      load({ PORT_CLIENT_ID: "id", PORT_CLIENT_SECRET: "secret-1", PORT_BASE_URL: "http://127.0.0.1:8123" }).port
        ?.baseUrl,
    ).toBe("http://127.0.0.1:8123");
  });

  it("treats an empty value as unset", () => {
    expect(load({ BITBUCKET_URL: "", BITBUCKET_TOKEN: "", RELAY_TENANT: "" })).toMatchObject({
      bitbucket: null,
      relay: null,
    });
  });

  it("reports every problem at once, naming the variable and never a secret's value", () => {
    const secrets = {
      BITBUCKET_TOKEN: "bb-secret-token-value",
      BITBUCKET_PASSWORD: "bb-secret-password",
      PORT_CLIENT_SECRET: "port-secret-value",
      RELAY_AGENT_TOKEN: "agent-secret\nvalue",
    };

    const problems = problemsOf({
      ...secrets,
      BITBUCKET_URL: "https://bb.example.com/rest/api/1.0",
      RELAY_URL: "http://relay.example.com",
      RELAY_TENANT: "bad tenant!",
      PORT_BASE_URL: "ftp://port",
    });

    expect(problems).toEqual([
      "RELAY_AGENT_TOKEN: contains a line break (a copy-paste artefact?); remove it",
      "BITBUCKET_PASSWORD: set BITBUCKET_TOKEN or BITBUCKET_PASSWORD, not both",
      "BITBUCKET_URL: must be the server's root URL (with its context path, if any), not a REST API URL: drop /rest/...",
      "RELAY_TENANT: must be 1-63 lower-case letters, digits, _ or -, starting with a letter or digit (the edge's tenant names)",
      "RELAY_URL: must use https: a token is sent to it (http is accepted for localhost only)",
      "PORT_BASE_URL: must use https (or http), not ftp",
      "PORT_CLIENT_ID: is not set, but PORT_CLIENT_SECRET is: set both to write to Port",
    ]);
    const text = problems.join("\n");
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret.split("\n")[0]);
  });

  it.each([
    [
      { BITBUCKET_URL: "https://bb" },
      "BITBUCKET_URL: is set without credentials: set BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_PASSWORD",
    ],
    [
      { BITBUCKET_TOKEN: "t-123456" },
      "BITBUCKET_URL: is not set, but Bitbucket credentials are: give the server's root URL",
    ],
    [
      { BITBUCKET_URL: "https://bb", BITBUCKET_USERNAME: "u" },
      "BITBUCKET_USERNAME: needs BITBUCKET_PASSWORD (or an access token in BITBUCKET_TOKEN)",
    ],
    [{ BITBUCKET_URL: "https://bb", BITBUCKET_PASSWORD: "p-123456" }, "BITBUCKET_PASSWORD: needs BITBUCKET_USERNAME"],
    [
      { BITBUCKET_URL: "https://user:pw@bb", BITBUCKET_TOKEN: "t-123456" },
      "BITBUCKET_URL: must not contain credentials; use the credential variables instead",
    ],
    [
      { BITBUCKET_URL: "bb.example.com", BITBUCKET_TOKEN: "t-123456" },
      "BITBUCKET_URL: is not an absolute URL (e.g. https://host or https://host/context-path)",
    ],
    [
      { BITBUCKET_URL: "https://bb/?a=1", BITBUCKET_TOKEN: "t-123456" },
      "BITBUCKET_URL: must not have a query string or a fragment",
    ],
    [
      { RELAY_URL: "https://relay" },
      "RELAY_AGENT_TOKEN: is not set, but RELAY_URL is: the edge refuses agents without it",
    ],
    [{ RELAY_AGENT_TOKEN: "a-123456" }, "RELAY_URL: is not set, but RELAY_AGENT_TOKEN is: give the edge's URL"],
    [{ PORT_CLIENT_ID: "id" }, "PORT_CLIENT_SECRET: is not set, but PORT_CLIENT_ID is: set both to write to Port"],
  ])("refuses %j", (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it("accepts http for an on-prem Bitbucket, and a context path", () => {
    expect(
      load({ BITBUCKET_URL: "http://localhost:7990/bitbucket", BITBUCKET_TOKEN: "t-123456" }).bitbucket?.baseUrl,
    ).toBe("http://localhost:7990/bitbucket");
  });

  it("says what to set when a command needs Bitbucket or the edge and they are not configured", () => {
    const environment = load({});

    expect(() => requireBitbucket(environment)).toThrow(/BITBUCKET_URL: is not set/);
    expect(() => requireRelay(environment)).toThrow(/RELAY_URL: is not set/);
  });
});
