import { afterEach, describe, expect, it } from "vitest";
import { FAKE_ADMIN } from "../../fakes/bitbucket-server/index";
import { AGENT_TOKEN, type LiveFixture, startLiveFixture, WEBHOOK_SECRET, waitFor } from "../../support/live-fixture";

/** `bbrelay run`'s listener against the real edge, the fake Bitbucket and a local catalog: health and metrics. */

const INSTANCE = { seed: 7, projects: 2, repositories: 4, pullRequests: 6, users: 3, emptyRatio: 0, archivedRatio: 0 };
const fixtures: LiveFixture[] = [];

afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

async function runningAgent(env: Record<string, string> = {}, prepare?: (live: LiveFixture) => void) {
  const live = await startLiveFixture();
  fixtures.push(live);
  live.fake.generate(INSTANCE);
  Object.assign(live.env, env);
  prepare?.(live);
  const agent = live.startAgent();
  await live.waitFirstResync();
  return { live, agent, url: await agent.consoleUrl() };
}

function metricValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("the agent's HTTP listener", () => {
  it("answers /healthz, and /readyz with every check passing once the agent works", async () => {
    const { url } = await runningAgent();

    const health = await fetch(`${url}/healthz`);
    const ready = await fetch(`${url}/readyz`);

    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok" });
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(body.status).toBe("ready");
    expect(body.checks.map((check) => [check.name, check.ok])).toEqual([
      ["mapping", true],
      ["edge", true],
      ["bitbucket", true],
    ]);
  });

  it("says not ready, with the reason, once Bitbucket stops answering", async () => {
    const { live, url } = await runningAgent();
    await live.fake.stop();

    await live.edgeClient.requestResync();
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 503, 30_000, "/readyz to turn 503");
    const body = (await (await fetch(`${url}/readyz`)).json()) as {
      status: string;
      checks: { name: string; ok: boolean; detail: string }[];
    };

    expect(body.status).toBe("not ready");
    expect(body.checks.find((check) => check.name === "bitbucket")).toMatchObject({
      ok: false,
      detail: expect.stringContaining("did not answer its last request"),
    });
  });

  it("serves Prometheus metrics of the resync, the events, the requests, the edge and jq, with bounded labels and no secret", async () => {
    // One 503 on the project listing: the client retries it, which the metrics count.
    const { live, url } = await runningAgent({}, (fixture) =>
      fixture.fake.faults.add({
        path: "/rest/api/1.0/projects",
        method: "GET",
        nth: 1,
        action: { type: "status", status: 503 },
      }),
    );
    const repositories = live.entities().filter((entity) => entity.blueprint === "bitbucketRepository").length;

    const response = await fetch(`${url}/metrics`);
    const text = await response.text();

    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    expect(metricValue(text, 'bbrelay_resync_runs_total{status="succeeded"}')).toBe(1);
    expect(metricValue(text, 'bbrelay_resync_entities_total{kind="repository",result="created"}')).toBe(repositories);
    expect(metricValue(text, 'bbrelay_events_leased_total{type="resync",event_key=""}')).toBe(1);
    expect(metricValue(text, 'bbrelay_events_handled_total{type="resync",event_key="",outcome="ok"}')).toBe(1);
    expect(metricValue(text, 'bbrelay_http_requests_total{service="bitbucket",status_class="2xx"}')).toBeGreaterThan(0);
    expect(metricValue(text, 'bbrelay_http_request_duration_seconds_count{service="bitbucket"}')).toBeGreaterThan(0);
    expect(metricValue(text, 'bbrelay_http_requests_total{service="bitbucket",status_class="5xx"}')).toBe(1);
    expect(metricValue(text, 'bbrelay_http_retries_total{service="bitbucket"}')).toBe(1);
    expect(metricValue(text, 'bbrelay_jq_evaluations_total{engine="compiled"}')).toBeGreaterThan(0);
    expect(metricValue(text, "bbrelay_resync_last_success_timestamp_seconds")).toBeGreaterThan(1_700_000_000);
    await waitFor(
      async () => metricValue(await (await fetch(`${url}/metrics`)).text(), "bbrelay_edge_up") === 1,
      20_000,
      "the edge's stats to be read",
    );
    // Bounded labels: no project key, repository slug or user name of the catalog appears in any series.
    const series = text.split("\n").filter((line) => line.startsWith("bbrelay_"));
    for (const entity of live.entities()) {
      for (const line of series) expect(line).not.toContain(entity.identifier);
    }
    for (const secret of [AGENT_TOKEN, WEBHOOK_SECRET, FAKE_ADMIN.password]) expect(text).not.toContain(secret);
  });

  it("with BBRELAY_CONSOLE_TOKEN, asks every page and /metrics for it, and leaves /healthz and /readyz open", async () => {
    const token = "console-token-for-the-test-0123456789";
    const { url } = await runningAgent({ BBRELAY_CONSOLE_TOKEN: token });

    const page = await fetch(`${url}/catalog`, { headers: { accept: "text/html" }, redirect: "manual" });
    const metrics = await fetch(`${url}/metrics`);
    const withBearer = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const wrongLogin = await fetch(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
      body: new URLSearchParams({ token: "not-it", next: "/catalog" }).toString(),
      redirect: "manual",
    });
    const login = await fetch(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
      body: new URLSearchParams({ token, next: "/catalog" }).toString(),
      redirect: "manual",
    });
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const signedIn = await fetch(`${url}/catalog`, { headers: { cookie } });

    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login?next=%2Fcatalog");
    expect(metrics.status).toBe(401);
    expect(withBearer.status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect([200, 503]).toContain((await fetch(`${url}/readyz`)).status);
    expect(wrongLogin.status).toBe(401);
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/catalog");
    expect(login.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    expect(cookie).not.toContain(token);
    expect(signedIn.status).toBe(200);
    expect(await signedIn.text()).toContain("<h1>Catalog</h1>");
  });
});
