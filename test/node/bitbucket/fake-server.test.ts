import { afterEach, describe, expect, it } from "vitest";
import { FAKE_ADMIN, FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { fetchJson, RawPage } from "./support/fetch-json";

const auth = { Authorization: `Bearer ${FAKE_ADMIN.token}` };

describe("the fake Bitbucket itself", () => {
  const started: FakeBitbucketServer[] = [];

  async function start(...args: Parameters<typeof FakeBitbucketServer.start>): Promise<FakeBitbucketServer> {
    const fake = await FakeBitbucketServer.start(...args);
    started.push(fake);
    return fake;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((fake) => fake.stop()));
  });

  it("generates the same instance for the same seed, and a different one for another", async () => {
    const spec = { projects: 3, repositories: 9, pullRequests: 40, users: 12, personalRepositories: 1 };
    const [a, b, c] = [await start(), await start(), await start()];
    a.generate({ ...spec, seed: 42 });
    b.generate({ ...spec, seed: 42 });
    c.generate({ ...spec, seed: 43 });
    const listing = async (fake: FakeBitbucketServer) => {
      const repos = await (
        await fetch(`${fake.url}/rest/api/1.0/repos?archived=ALL&limit=1000`, { headers: auth })
      ).text();
      const prs = await (
        await fetch(`${fake.url}/rest/api/1.0/projects/P001/repos/repo-00001/pull-requests?state=ALL&limit=1000`, {
          headers: auth,
        })
      ).text();
      return (repos + prs).replaceAll(fake.url, "");
    };

    expect(await listing(a)).toBe(await listing(b));
    expect(await listing(a)).not.toBe(await listing(c));
  });

  it("serves /rest/api/latest like 1.0, with Bitbucket's headers and error envelope", async () => {
    const fake = await start();
    fake.generate({ projects: 1, repositories: 1, pullRequests: 0, users: 1 });

    const latest = await fetch(`${fake.url}/rest/api/latest/projects/P001`, { headers: auth });
    const missing = await fetch(`${fake.url}/rest/api/1.0/projects/P001/repos/nope/pull-requests/9999`, {
      headers: auth,
    });

    expect(latest.status).toBe(200);
    expect(latest.headers.get("content-type")).toBe("application/json;charset=UTF-8");
    expect(latest.headers.get("x-ausername")).toBe("admin");
    expect(latest.headers.get("x-arequestid")).toMatch(/^@[0-9A-F]+x\d+x0$/);
    expect(await missing.json()).toEqual({
      errors: [
        {
          context: null,
          message: "Repository P001/nope does not exist.",
          exceptionName: "com.atlassian.bitbucket.repository.NoSuchRepositoryException",
        },
      ],
    });
  });

  it("defaults the page size to 25 and clamps larger limits silently to the resource's cap", async () => {
    const fake = await start({ pageCaps: { repositories: 7 } });
    fake.generate({ projects: 1, repositories: 30, pullRequests: 0, users: 1 });

    const byDefault = await fetchJson(`${fake.url}/rest/api/1.0/projects/P001/repos`, RawPage);
    fake.settings.pageCaps.repositories = 1000;
    const defaultPage = await fetchJson(`${fake.url}/rest/api/1.0/projects/P001/repos`, RawPage);
    const last = await fetchJson(`${fake.url}/rest/api/1.0/projects/P001/repos?start=25`, RawPage);

    expect(byDefault).toMatchObject({ size: 7, limit: 7, isLastPage: false, nextPageStart: 7, start: 0 });
    expect(defaultPage).toMatchObject({ size: 25, limit: 25, isLastPage: false, nextPageStart: 25 });
    expect(last).toMatchObject({ size: 5, isLastPage: true });
    expect(last).not.toHaveProperty("nextPageStart");
  });

  it("answers a 429 with Retry-After and the X-RateLimit-* hints when the bucket is empty", async () => {
    let now = 0;
    const fake = await start({ clock: { now: () => now }, rateLimit: { capacity: 2, fillRate: 1, headers: true } });

    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(await fetch(`${fake.url}/rest/api/1.0/application-properties`, { headers: auth }));
    now += 1000;
    const refilled = await fetch(`${fake.url}/rest/api/1.0/application-properties`, { headers: auth });

    expect(statuses.map((response) => response.status)).toEqual([200, 200, 429]);
    expect(statuses[2]?.headers.get("retry-after")).toBe("1");
    expect(statuses[1]?.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(statuses[0]?.headers.get("x-ratelimit-fillrate")).toBe("1");
    expect(refilled.status).toBe(200);
  });

  it("records requests by path, and stops cleanly with a request hanging", async () => {
    const fake = await start();
    fake.faults.add({ path: "/rest/api/1.0/projects", nth: 1, action: { type: "hang" } });
    const controller = new AbortController();

    const hanging = fetch(`${fake.url}/rest/api/1.0/projects`, { headers: auth, signal: controller.signal }).catch(
      (error: unknown) => error,
    );
    await fetch(`${fake.url}/rest/api/1.0/application-properties`);
    await fetch(`${fake.url}/rest/api/1.0/application-properties`);
    controller.abort();
    await hanging;

    expect(fake.requests.byPath().get("/rest/api/1.0/application-properties")).toBe(2);
    expect(fake.requests.byPath().get("/rest/api/1.0/projects")).toBe(1);
  });
});
