import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BitbucketClient } from "../../../relay/bitbucket/client";
import { ConfigError } from "../../../relay/config/config-error";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { clientFor, drain, failure } from "./support/client-for";
import { expiringHangs } from "./support/expiring-hangs";
import { RawPage } from "./support/fetch-json";
import { recordingLogger } from "./support/recording-logger";
import { VirtualClock } from "./support/virtual-clock";

const PASSWORD = "s3cret-Pa55word!";
const USER_TOKEN = "user-token-AbC123xyz987";
const PROJECT_TOKEN = "project-token-ZZZ555qqq";

describe("authentication, context path and secrets", () => {
  let fake: FakeBitbucketServer;

  beforeEach(async () => {
    fake = await FakeBitbucketServer.start({ contextPath: "/bitbucket" });
    fake.generate({
      seed: 3,
      projects: 3,
      repositories: 6,
      pullRequests: 12,
      users: 5,
      emptyRatio: 0,
      archivedRatio: 0,
    });
    const svc = fake.addUser({ name: "svc-relay", password: PASSWORD });
    fake.addToken({ token: USER_TOKEN, user: svc, permissions: ["PROJECT_READ"] });
    fake.grant(svc, "PROJECT_READ", { projectKey: "P001" });
    fake.grant(svc, "PROJECT_READ", { projectKey: "P002" });
    const service = fake.addUser({
      name: "project-p003-token",
      type: "SERVICE",
      emailAddress: null,
      globalPermission: null,
    });
    fake.addToken({
      token: PROJECT_TOKEN,
      user: service,
      permissions: ["PROJECT_READ"],
      scope: { type: "project", projectId: 3 },
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it("works under a context path, and only there", async () => {
    const client = clientFor(fake);

    expect(fake.url).toMatch(/\/bitbucket$/);
    expect(await client.version()).toBe("9.4.2");
    expect(fake.requests.entries.at(-1)?.path).toBe("/rest/api/1.0/application-properties");
    const rootOnly = BitbucketClient.fromConfig({
      baseUrl: fake.url.replace(/\/bitbucket$/, ""),
      auth: { kind: "bearer", token: FAKE_ADMIN.token },
    });
    const error = await failure(rootOnly.version());
    expect(error.kind).toBe("not-found");
    expect(error.path).toBe("/rest/api/1.0/application-properties");
  });

  it.each([
    ["basic with a password", { kind: "basic" as const, username: "svc-relay", password: PASSWORD }],
    [
      "basic with a user token as the password",
      { kind: "basic" as const, username: "svc-relay", password: USER_TOKEN },
    ],
    ["bearer with a user token", { kind: "bearer" as const, token: USER_TOKEN }],
  ])("authenticates with %s and sees what the account may see", async (_name, auth) => {
    const client = clientFor(fake, { auth });

    const { items } = await drain(client.listProjects());

    expect(items.map((project) => project.key)).toEqual(["P001", "P002"]);
    expect(fake.requests.entries.at(-1)?.user).toBe("svc-relay");
  });

  it("accepts a project token as Bearer only, limited to its project", async () => {
    const bearer = clientFor(fake, { auth: { kind: "bearer", token: PROJECT_TOKEN } });
    const basic = clientFor(fake, { auth: { kind: "basic", username: "project-p003-token", password: PROJECT_TOKEN } });

    expect((await drain(bearer.listProjects())).items.map((project) => project.key)).toEqual(["P003"]);
    expect((await failure(drain(basic.listProjects()))).kind).toBe("unauthorized");
  });

  it("reports a refused credential clearly: status, path, Bitbucket's message, what to check", async () => {
    const client = clientFor(fake, { auth: { kind: "basic", username: "svc-relay", password: "wrong-password-123" } });

    const error = await failure(drain(client.listProjects()));

    expect(error.kind).toBe("unauthorized");
    expect(error.status).toBe(401);
    expect(error.attempts).toBe(1);
    expect(error.exceptionName).toBe("com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException");
    expect(error.message).toContain("GET /rest/api/1.0/projects?start=0&limit=1000");
    expect(error.message).toContain("Authentication failed. Please check your credentials and try again.");
    expect(error.message).toContain("BITBUCKET_TOKEN");
  });

  it("reports a missing permission as Bitbucket does (401, not 403) and a missing object as null", async () => {
    const client = clientFor(fake, { auth: { kind: "bearer", token: USER_TOKEN } });

    const denied = await failure(client.getProject({ projectKey: "P003" }));
    const adminOnly = await failure(drain(client.listAdminUsers()));

    expect(denied.kind).toBe("unauthorized");
    expect(denied.bitbucketMessages).toEqual(["You are not permitted to access this resource"]);
    expect(adminOnly.kind).toBe("unauthorized");
    expect(await client.getProject({ projectKey: "NOPE" })).toBeNull();
    expect((await drain(client.listUsers())).items.length).toBeGreaterThan(0);
  });

  it("lets anonymous callers see public projects only (a missing credential can look like an empty instance)", async () => {
    fake.state.requireProject(2).public = true;
    const anonymous = await fetch(`${fake.url}/rest/api/latest/projects`);
    const body = RawPage.parse(await anonymous.json());

    expect(body.values.map((project) => project.key)).toEqual(["P002"]);
    expect(anonymous.headers.get("x-ausername")).toBeNull();
  });

  it("refuses a configuration with credentials in the URL or a /rest suffix, naming each problem", () => {
    const attempt = () =>
      BitbucketClient.fromConfig({
        baseUrl: `http://svc:${PASSWORD}@127.0.0.1:7990/rest/api/1.0`,
        auth: { kind: "bearer", token: "" },
      });

    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      expect(error.problems).toEqual([
        "bitbucket.baseUrl: must not contain credentials: give them as a token or a username and password instead",
        "bitbucket.baseUrl: must be the server root, without /rest/…",
        "bitbucket.auth.token: Too small: expected string to have >=1 characters",
      ]);
      expect(error.message).not.toContain(PASSWORD);
    }
  });

  it("never puts a credential in an error message or a log line", async () => {
    const { logger, lines } = recordingLogger();
    const secrets = [PASSWORD, USER_TOKEN, Buffer.from(`svc-relay:${PASSWORD}`).toString("base64")];
    fake.faults.add({
      path: "/rest/api/1.0/projects",
      nth: 1,
      times: 2,
      action: { type: "status", status: 503, message: `proxy echoed ${PASSWORD}` },
    });
    const basic = clientFor(fake, {
      auth: { kind: "basic", username: "svc-relay", password: PASSWORD },
      logger,
      limits: { maxAttempts: 2, baseRetryDelayMs: 1 },
    });
    // Its time limits pass when the fake holds a request, not after real time.
    const clock = new VirtualClock(undefined, { manualDeadlines: true });
    const bearer = clientFor(fake, {
      auth: { kind: "bearer", token: USER_TOKEN },
      logger,
      clock,
      limits: { requestTimeoutMs: 200, maxAttempts: 2, baseRetryDelayMs: 1 },
    });
    const wrong = clientFor(fake, { auth: { kind: "basic", username: "svc-relay", password: `${PASSWORD}x` }, logger });
    fake.faults.add({ path: /\/repos\/repo-00001$/, nth: 1, times: 5, action: { type: "hang" } });

    const errors = [
      await failure(drain(basic.listProjects())),
      await failure(
        expiringHangs(fake, clock, bearer.getRepository({ projectKey: "P001", repositorySlug: "repo-00001" })),
      ),
      await failure(drain(wrong.listProjects())),
      await failure(bearer.getProject({ projectKey: "P003" })),
    ];

    expect(errors.map((error) => error.kind)).toEqual(["server-error", "timeout", "unauthorized", "unauthorized"]);
    expect(errors[0]?.message).toContain("proxy echoed [redacted]");
    const text = [...errors.map((error) => `${error.message} ${JSON.stringify(error.details)}`), ...lines].join("\n");
    expect(lines.some((line) => line.includes("retrying"))).toBe(true);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
