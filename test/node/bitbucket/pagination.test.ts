import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { DroppedItems } from "../../../relay/bitbucket/dropped-items";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { clientFor, drain } from "./support/client-for";
import { fetchJson, RawPage } from "./support/fetch-json";
import { recordingLogger } from "./support/recording-logger";

const PRS = "/rest/api/1.0/projects/P001/repos/repo-00001/pull-requests";

const PrPage = RawPage.extend({ values: z.array(z.looseObject({ id: z.number() })) });

async function rawPage(fake: FakeBitbucketServer, query: string) {
  return fetchJson(`${fake.url}${PRS}?${query}`, PrPage);
}

describe("paging through 3,000 pull requests of one repository", () => {
  let fake: FakeBitbucketServer;

  beforeEach(async () => {
    fake = await FakeBitbucketServer.start({ nonContiguousPaging: true, pageCaps: { pullRequests: 1000 } });
    fake.generate({
      seed: 7,
      projects: 1,
      repositories: 1,
      pullRequests: 3000,
      users: 20,
      emptyRatio: 0,
      archivedRatio: 0,
      pullRequestPlacement: "first",
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  it("gets every pull request exactly once, in pages of 1,000, following nextPageStart", async () => {
    const client = clientFor(fake);

    const { items, pages } = await drain(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }));

    expect(items).toHaveLength(3000);
    expect(new Set(items.map((pr) => pr.id)).size).toBe(3000);
    expect(pages).toBe(3);
    const calls = fake.requests.entries.filter((entry) => entry.path === PRS);
    expect(calls.map((entry) => new URLSearchParams(entry.query).get("start"))).toEqual(["0", "3000", "6000"]);
    expect(calls.every((entry) => new URLSearchParams(entry.query).get("state") === "ALL")).toBe(true);
    expect(calls.every((entry) => new URLSearchParams(entry.query).get("limit") === "1000")).toBe(true);
  });

  it("is a server on which start + size would be wrong (the fake's non-contiguous mode bites)", async () => {
    const first = await rawPage(fake, "state=ALL&limit=1000&start=0");
    const naive = await rawPage(fake, "state=ALL&limit=1000&start=1000");

    expect(first.nextPageStart).toBe(3000);
    const firstIds = new Set(first.values.map((pr) => pr.id));
    expect(naive.values.some((pr) => firstIds.has(pr.id))).toBe(true);
  });

  it("trusts the server's silent clamp: a cap of 100 gives 30 pages of 100 for limit=1000", async () => {
    fake.settings.pageCaps.pullRequests = 100;
    const client = clientFor(fake);

    const { items, pages } = await drain(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }));

    expect(items).toHaveLength(3000);
    expect(new Set(items.map((pr) => pr.id)).size).toBe(3000);
    expect(pages).toBe(30);
    expect((await rawPage(fake, "state=ALL&limit=1000")).limit).toBe(100);
  });

  it("sends state explicitly: the server's default is OPEN only", async () => {
    const client = clientFor(fake);
    const all = (await drain(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }))).items;
    const open = all.filter((pr) => pr.state === "OPEN");
    fake.settings.pageCaps.pullRequests = 5000;

    const serverDefault = await rawPage(fake, "limit=5000");
    const merged = (
      await drain(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001", states: ["MERGED"] }))
    ).items;
    const closed = (
      await drain(
        client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001", states: ["MERGED", "DECLINED"] }),
      )
    ).items;

    expect(open.length).toBeGreaterThan(0);
    expect(open.length).toBeLessThan(3000);
    expect(serverDefault.values).toHaveLength(open.length);
    expect(merged.every((pr) => pr.state === "MERGED")).toBe(true);
    expect(merged.length).toBe(all.filter((pr) => pr.state === "MERGED").length);
    expect(closed.length).toBe(3000 - open.length);
    const lastQuery = new URLSearchParams(fake.requests.entries.at(-1)?.query ?? "");
    expect(lastQuery.get("state")).toBe("ALL");
    expect(lastQuery.has("direction")).toBe(false);
  });

  it("fails the listing on an item that lacks the fields used, naming the page (the listing would be incomplete)", async () => {
    const [first] = fake.state.pullRequestsOf(1);
    if (first === undefined) throw new Error("the generated repository has no pull request");
    fake.state.pullRequestsOf(1).push({ ...structuredClone(first), id: -5 });
    const client = clientFor(fake);

    const listing = drain(client.listPullRequests({ projectKey: "P001", repositorySlug: "repo-00001" }));

    await expect(listing).rejects.toMatchObject({ kind: "invalid-response" });
    await expect(listing).rejects.toThrow(
      /GET \/rest\/api\/1\.0\/projects\/P001\/repos\/repo-00001\/pull-requests\?state=ALL&start=\d+&limit=1000.*1 item\(s\) of the page lack the fields the relay reads \(id: /,
    );
  });

  it("with onDropped, keeps the rest of the page and reports the dropped item with its page", async () => {
    const [first] = fake.state.pullRequestsOf(1);
    if (first === undefined) throw new Error("the generated repository has no pull request");
    fake.state.pullRequestsOf(1).push({ ...structuredClone(first), id: -5 });
    const { logger, lines } = recordingLogger();
    const client = clientFor(fake, { logger });
    const dropped: DroppedItems[] = [];

    const { items } = await drain(
      client.listPullRequests({
        projectKey: "P001",
        repositorySlug: "repo-00001",
        onDropped: (report) => dropped.push(report),
      }),
    );

    expect(items).toHaveLength(3000);
    expect(items.some((pr) => pr.id === -5)).toBe(false);
    expect(dropped).toEqual([
      {
        request: expect.stringMatching(/^GET \/rest\/api\/1\.0\/projects\/P001\/repos\/repo-00001\/pull-requests\?/),
        page: expect.any(Number),
        count: 1,
        problem: expect.stringMatching(/^id: /),
      },
    ]);
    expect(lines.some((line) => line.includes("Bitbucket items skipped") && line.includes('"dropped":1'))).toBe(true);
  });
});
