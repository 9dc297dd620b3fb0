import { createServer, type Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BitbucketClient } from "../../../relay/bitbucket/client";
import { BitbucketError } from "../../../relay/bitbucket/errors";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { FAKE_ADMIN } from "../../fakes/bitbucket-server/index";
import { clientFor, failure } from "./support/client-for";
import { expiringHangs } from "./support/expiring-hangs";
import { VirtualClock } from "./support/virtual-clock";

const PRS = "/rest/api/1.0/projects/P001/repos/repo-00001/pull-requests";

/** Consumes a listing page by page; @returns what arrived before it ended, and how it ended. */
async function consume<T>(
  pages: AsyncIterable<T[]>,
): Promise<{ received: number; pages: number; error: BitbucketError | null }> {
  let received = 0;
  let count = 0;
  try {
    for await (const page of pages) {
      received += page.length;
      count++;
    }
    return { received, pages: count, error: null };
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    return { received, pages: count, error };
  }
}

/** A stand-in for what sits in front of some servers (an SSO page, a broken proxy). */
async function serve(
  respond: (path: string) => { status: number; type: string; body: string },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const answer = respond(req.url ?? "/");
    res.writeHead(answer.status, { "Content-Type": answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("failures: a failed page fails the listing, transient ones are retried", () => {
  let fake: FakeBitbucketServer;
  let clock: VirtualClock;

  beforeEach(async () => {
    // A request's time limit passes only when a test says so: a slow page on a loaded machine never passes for a hang.
    clock = new VirtualClock(undefined, { manualDeadlines: true });
    fake = await FakeBitbucketServer.start({ clock, pageCaps: { pullRequests: 1000 } });
    fake.generate({
      seed: 5,
      projects: 1,
      repositories: 1,
      pullRequests: 2500,
      users: 5,
      emptyRatio: 0,
      pullRequestPlacement: "first",
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it("fails the whole listing when page 2 keeps answering 500, after retrying it", async () => {
    fake.faults.add({ path: PRS, nth: 2, times: 100, action: { type: "status", status: 500 } });
    const client = clientFor(fake, { clock, limits: { maxAttempts: 4 } });

    const result = await consume(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }));

    expect(result.pages).toBe(1);
    expect(result.received).toBe(1000);
    expect(result.error?.kind).toBe("server-error");
    expect(result.error?.status).toBe(500);
    expect(result.error?.attempts).toBe(4);
    expect(result.error?.path).toBe(`${PRS}?state=ALL&start=1000&limit=1000`);
    expect(result.error?.message).toContain("An unexpected error occurred.");
    expect(fake.requests.byPath(500).get(PRS)).toBe(4);
  });

  it("recovers from a transient 500 with a jittered backoff and loses nothing", async () => {
    fake.faults.add({ path: PRS, nth: 2, times: 2, action: { type: "status", status: 503 } });
    const client = clientFor(fake, { clock, random: () => 0.5, limits: { baseRetryDelayMs: 400 } });

    const result = await consume(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }));

    expect(result.error).toBeNull();
    expect(result.received).toBe(2500);
    expect(clock.sleeps).toEqual([200, 400]);
  });

  it("times out a request that hangs, retries it, and reports a timeout when it keeps hanging", async () => {
    fake.faults.add({ path: PRS, nth: 1, times: 1, action: { type: "hang" } });
    const client = clientFor(fake, { clock, limits: { requestTimeoutMs: 1_000 } });
    const recovered = await expiringHangs(
      fake,
      clock,
      consume(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" })),
    );
    fake.faults.add({ path: /\/repos\/repo-00001$/, nth: 1, times: 3, action: { type: "hang" } });

    const error = await failure(
      expiringHangs(
        fake,
        clock,
        clientFor(fake, { clock, limits: { requestTimeoutMs: 1_000, maxAttempts: 3 } }).getRepository({
          projectKey: "P001",
          repositorySlug: "repo-00001",
        }),
      ),
    );

    expect(recovered.received).toBe(2500);
    expect(fake.hangs).toBe(4);
    expect(error).toBeInstanceOf(BitbucketError);
    expect(error.kind).toBe("timeout");
    expect(error.attempts).toBe(3);
    expect(error.message).toContain("no answer within 1000 ms");
  });

  it("stops a hanging call and every later one when the client's signal aborts (shutdown)", async () => {
    fake.faults.add({ path: /\/repos\/repo-00001$/, nth: 1, times: 10, action: { type: "hang" } });
    const controller = new AbortController();
    const client = clientFor(fake, { signal: controller.signal, limits: { requestTimeoutMs: 60_000 } });

    const pending = failure(client.getRepository({ projectKey: "P001", repositorySlug: "repo-00001" }));
    const deadline = Date.now() + 5000;
    while (fake.requests.count === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const error = await pending;
    const later = await failure(client.version());

    expect(error.kind).toBe("aborted");
    expect(later.kind).toBe("aborted");
    expect(later.retryability).toBe("final");
    expect(fake.requests.count).toBe(1);
  });

  it("reports a server that refuses connections at once, fails fast for it, and closes the circuit when it answers", async () => {
    const url = fake.url;
    await fake.stop();
    let connections = 0;
    const counting: typeof fetch = (input, init) => {
      connections++;
      return fetch(input, init);
    };
    const client = BitbucketClient.fromConfig(
      { baseUrl: url, auth: { kind: "bearer", token: FAKE_ADMIN.token }, limits: { maxAttempts: 5 } },
      { clock, fetch: counting },
    );

    const first = await failure(client.version());
    const second = await failure(client.version());

    expect(first.kind).toBe("network");
    expect(first.message).toContain("ECONNREFUSED");
    // Retrying a refused connection within one call only costs time: one attempt, one connection.
    expect(first.attempts).toBe(1);
    expect(second.kind).toBe("network");
    expect(second.message).toMatch(/ECONNREFUSED; not sent: Bitbucket could not be reached moments ago/);
    expect(connections).toBe(1);

    // The host is back on the same port: after the probe interval one request tries it, and its success closes the circuit.
    fake = await FakeBitbucketServer.start({ port: Number(new URL(url).port) });
    clock.advance(5_000);
    await expect(client.version()).resolves.toEqual(expect.any(String));
    await expect(client.version()).resolves.toEqual(expect.any(String));
    expect(connections).toBe(3);
  });

  it("does not retry a POST after a 5xx: a webhook is never created twice", async () => {
    fake.faults.add({
      path: "/rest/api/1.0/projects/P001/webhooks",
      method: "POST",
      nth: 1,
      action: { type: "status", status: 502 },
    });
    const client = clientFor(fake, { clock });

    const error = await failure(
      client.webhooks.create({
        scope: { type: "project", projectKey: "P001" },
        webhook: {
          name: "relay",
          url: "https://edge.example.com/webhooks/default",
          events: ["pr:opened"],
          active: true,
        },
      }),
    );

    expect(error.kind).toBe("server-error");
    expect(fake.requests.countWhere((entry) => entry.method === "POST")).toBe(1);
  });

  it("calls a 200 that is not a Bitbucket page an invalid response (an SSO page in front)", async () => {
    const sso = await serve(() => ({ status: 200, type: "text/html", body: "<html>Sign in</html>" }));
    fake.faults.add({ path: PRS, nth: 1, action: { type: "status", status: 200 } });
    const client = BitbucketClient.fromConfig(
      { baseUrl: sso.url, auth: { kind: "bearer", token: "t0ken-value" } },
      { clock },
    );

    const html = await consume(client.listProjects());
    const notAPage = await consume(
      clientFor(fake, { clock }).listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }),
    );
    await sso.close();

    expect(html.error?.kind).toBe("invalid-response");
    expect(html.error?.message).toContain("the body is not JSON (content type text/html)");
    expect(notAPage.error?.kind).toBe("invalid-response");
    expect(notAPage.error?.message).toContain("the body is not a page (values");
  });

  it("fails on a nextPageStart that does not advance, past the page cap, and on a page with no way on", async () => {
    const looping = await serve((path) => {
      const body = path.includes("/projects/")
        ? { values: [{ slug: "r", project: { key: "K" } }], isLastPage: false }
        : { values: [{ key: "K" }], isLastPage: false, nextPageStart: 0, start: 0 };
      return { status: 200, type: "application/json", body: JSON.stringify(body) };
    });
    const client = BitbucketClient.fromConfig(
      { baseUrl: looping.url, auth: { kind: "bearer", token: "t0ken-value" } },
      { clock },
    );
    const capped = clientFor(fake, { clock, limits: { maxPages: 2 } });

    const loop = await consume(client.listProjects());
    const noWayOn = await consume(client.listRepositories({ projectKey: "K" }));
    const tooLong = await consume(capped.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }));
    await looping.close();

    expect(loop.error?.kind).toBe("invalid-response");
    expect(loop.error?.message).toContain("nextPageStart 0 does not advance past start 0");
    expect(noWayOn).toMatchObject({ received: 1, pages: 1 });
    expect(noWayOn.error?.kind).toBe("invalid-response");
    expect(noWayOn.error?.message).toContain("/rest/api/1.0/projects/K/repos?start=0");
    expect(noWayOn.error?.message).toContain("isLastPage: false");
    expect(tooLong.pages).toBe(2);
    expect(tooLong.error?.message).toContain("more than 2 pages");
  });
});
