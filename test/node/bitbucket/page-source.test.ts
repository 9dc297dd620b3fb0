import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pageSourceKey, recordPageSource } from "../../../relay/bitbucket/page-source";
import { FakeBitbucketServer } from "../../fakes/bitbucket-server/fake-bitbucket-server";
import { clientFor } from "./support/client-for";

/**
 * A listed page's source (its body text and kept positions) stands for its items: the same source means the same
 * items, and a page that is not exactly what the listing yielded has none.
 */

function parsed(text: string): unknown[] {
  return (JSON.parse(text) as { values: unknown[] }).values;
}

const TEXT = JSON.stringify({ values: [{ id: 1 }, { id: 2 }, { id: 3 }], isLastPage: true });

describe("a page's source", () => {
  it("is the same for two parses of the same text, and differs with the text or the positions kept", () => {
    const first = parsed(TEXT);
    const again = parsed(TEXT);
    recordPageSource(first, TEXT, "all");
    recordPageSource(again, TEXT, "all");
    expect(pageSourceKey(first)).toBeDefined();
    expect(pageSourceKey(again)).toBe(pageSourceKey(first));

    const otherText = TEXT.replace('{"id":3}', '{"id":4}');
    const other = parsed(otherText);
    recordPageSource(other, otherText, "all");
    expect(pageSourceKey(other)).not.toBe(pageSourceKey(first));

    // The same text filtered down to its first two values is another list of items.
    const filtered = parsed(TEXT).slice(0, 2);
    recordPageSource(filtered, TEXT, [0, 1]);
    expect(pageSourceKey(filtered)).not.toBe(pageSourceKey(first));
  });

  it("is unknown for a page the listing did not yield as is: another array, or the same one reordered", () => {
    const page = parsed(TEXT);
    recordPageSource(page, TEXT, "all");
    expect(pageSourceKey([...page])).toBeUndefined();
    page.reverse();
    expect(pageSourceKey(page)).toBeUndefined();
    const grown = parsed(TEXT);
    recordPageSource(grown, TEXT, "all");
    grown.push({ id: 9 });
    expect(pageSourceKey(grown)).toBeUndefined();
  });
});

describe("pages listed from Bitbucket carry their source", () => {
  let fake: FakeBitbucketServer;

  beforeEach(async () => {
    fake = await FakeBitbucketServer.start();
    fake.generate({
      seed: 7,
      projects: 1,
      repositories: 1,
      pullRequests: 5,
      users: 5,
      emptyRatio: 0,
      archivedRatio: 0,
    });
  });

  afterEach(async () => {
    await fake.stop();
  });

  async function keysOf(states?: ("OPEN" | "MERGED" | "DECLINED")[]): Promise<(string | undefined)[]> {
    const client = clientFor(fake);
    const [repository] = fake.state.repositories.values();
    if (repository === undefined) throw new Error("no repository generated");
    const project = fake.state.requireProject(repository.projectId);
    const keys: (string | undefined)[] = [];
    for await (const page of client.listPullRequests({
      projectKey: project.key,
      repositorySlug: repository.slug,
      ...(states === undefined ? {} : { states }),
    }))
      keys.push(pageSourceKey(page));
    return keys;
  }

  it("the same for an unchanged listing, another once an item changed or when the listing keeps fewer", async () => {
    const before = await keysOf();
    expect(before.length).toBeGreaterThan(0);
    for (const key of before) expect(key).toBeDefined();
    expect(await keysOf()).toEqual(before);

    // The same pages, filtered on the agent's side (state=ALL, then only the open ones kept): other keys.
    const open = await keysOf(["OPEN", "MERGED"]);
    for (const key of open) expect(before).not.toContain(key);

    const [repository] = fake.state.repositories.values();
    const [pr] = fake.state.pullRequests.get(repository?.id ?? -1) ?? [];
    if (repository === undefined || pr === undefined) throw new Error("no pull request generated");
    const project = fake.state.requireProject(repository.projectId);
    await fake.mutations.updatePullRequest({
      projectKey: project.key,
      repositorySlug: repository.slug,
      pullRequestId: pr.id,
      title: "a new title",
    });
    expect(await keysOf()).not.toEqual(before);
  });
});
