import { afterEach, describe, expect, it } from "vitest";
import { AGENT_TOKEN, type LiveFixture, startLiveFixture, WEBHOOK_SECRET, waitFor } from "../../support/live-fixture";
import { openPoisonPullRequests, poisonMappingFile } from "../../support/poison-mapping";

/**
 * The console's pages and actions over HTTP, against a real agent (the edge in workerd, the fake Bitbucket, a local
 * catalog). The browser tests (test/browser/) drive the same pages in Chromium; these check the HTML and the rules.
 */

const INSTANCE = { seed: 5, projects: 2, repositories: 4, pullRequests: 6, users: 3, emptyRatio: 0, archivedRatio: 0 };
const fixtures: LiveFixture[] = [];

afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

async function runningAgent() {
  const live = await startLiveFixture({ mappingFile: poisonMappingFile() });
  fixtures.push(live);
  live.fake.generate(INSTANCE);
  const agent = live.startAgent();
  await live.waitFirstResync();
  const url = await agent.consoleUrl();
  const page = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, html: await response.text(), headers: response.headers };
  };
  /** A form post as a browser sends it from the console's own page. */
  const post = (path: string, form: Record<string, string>, origin = url) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin },
      body: new URLSearchParams(form).toString(),
      redirect: "manual",
    });
  return { live, url, page, post };
}

describe("the console", () => {
  it("lists blueprints with their counts, finds an entity by search, and links its relations to their targets", async () => {
    const { live, page } = await runningAgent();
    const repository = live.entities().find((entity) => entity.blueprint === "bitbucketRepository");
    if (repository === undefined) throw new Error("the instance has no repository");
    const repositories = live.entities().filter((entity) => entity.blueprint === "bitbucketRepository").length;
    const project = repository.relations.project;

    const catalog = await page("/catalog");
    const found = await page(`/catalog/entities?q=${encodeURIComponent(repository.identifier)}`);
    const entity = await page(
      `/catalog/entity?blueprint=bitbucketRepository&identifier=${encodeURIComponent(repository.identifier)}`,
    );
    const target = await page(
      `/catalog/entity?blueprint=bitbucketProject&identifier=${encodeURIComponent(String(project))}`,
    );

    expect(catalog.status).toBe(200);
    expect(catalog.html).toMatch(
      new RegExp(`<code>bitbucketRepository</code></td>\\s*<td class="num">${repositories}</td>`),
    );
    expect(found.html).toContain(`identifier=${encodeURIComponent(repository.identifier)}`);
    expect(entity.status).toBe(200);
    expect(entity.html).toContain(
      `href="/catalog/entity?blueprint=bitbucketProject&amp;identifier=${encodeURIComponent(String(project))}"`,
    );
    expect(entity.html).toMatch(/resync #1<\/a> \(succeeded\)/);
    // The project's page lists the repository among the entities pointing at it.
    expect(target.html).toContain(`identifier=${encodeURIComponent(repository.identifier)}`);
    expect(catalog.headers.get("cache-control")).toBe("no-store");
    for (const secret of [AGENT_TOKEN, WEBHOOK_SECRET]) expect(entity.html + catalog.html).not.toContain(secret);
  });

  it("answers 404 for an entity the catalog does not hold, and pages the list with a keyset cursor", async () => {
    const { page } = await runningAgent();

    const missing = await page("/catalog/entity?blueprint=bitbucketRepository&identifier=NOPE%2Fnothing");
    const first = await page("/catalog/entities");
    const next = /href="\/catalog\/entities\?(after_bp=[^"]+)" rel="next"/.exec(first.html.replaceAll("&amp;", "&"));

    expect(missing.status).toBe(404);
    // 2 projects, 4 repositories, 6 pull requests, 3 users and their placeholders: more than a page of 50 or not,
    // the first page either links to the next or says it is the end.
    expect(next !== null || first.html.includes("End of the list")).toBe(true);
  });

  it("redrives a dead letter, drops another, and refuses a cross-site post", async () => {
    const { live, page, post } = await runningAgent();
    await openPoisonPullRequests(live.fake, 2);
    await waitFor(async () => (await live.stats()).deadLetters === 2, 30_000, "two dead letters");
    const letters = (await live.edgeClient.deadLetters()).deadLetters;
    const [first, second] = letters;
    if (first === undefined || second === undefined) throw new Error("expected two dead letters");

    const crossSite = await post("/actions/redrive", { id: first.id }, "https://evil.example");
    const queue = await page("/queue");
    const redriven = await post("/actions/redrive", { id: first.id });
    const dropped = await post("/actions/drop", { id: second.id });

    expect(crossSite.status).toBe(403);
    expect(queue.html).toContain(`data-dead-letter="${first.id}"`);
    expect(redriven.status).toBe(303);
    expect(redriven.headers.get("location")).toBe("/queue?redriven=1");
    expect(dropped.headers.get("location")).toBe("/queue?dropped=1");
    const after = await page("/queue?dropped=1");
    expect(after.html).toContain("Dropped 1 dead letter(s).");
    expect(after.html).not.toContain(`data-dead-letter="${second.id}"`);
  });

  it("requests a resync through the edge, and the new run shows in the history with its invalid GitOps file", async () => {
    const { live, page, post } = await runningAgent();
    // A port.yml whose entity is not valid: its push is a dead letter naming it, and the resync shows it too.
    await live.fake.mutations.pushCommits({
      projectKey: "P001",
      repositorySlug: "repo-00001",
      files: { "port.yml": "- identifier: orders\n  blueprint: [service]\n" },
    });
    const problem = "P001/repo-00001/port.yml: [0].blueprint: must be a string";
    await waitFor(async () => (await page("/sync")).html.includes(problem), 30_000, "the push in the live feed");

    const requested = await post("/actions/resync", {});
    const run2Of = (html: string) => html.slice(html.indexOf('id="run-2"'), html.indexOf('id="run-1"'));
    await waitFor(
      async () => run2Of((await page("/sync")).html).includes(" · took "),
      30_000,
      "the second resync to finish",
    );
    const sync = await page("/sync");

    expect(requested.headers.get("location")).toBe("/sync?resync=queued");
    expect(sync.html).toMatch(/Resync #2 <span class="badge badge-(ok|warn)">/);
    expect(sync.html).toContain("<code>repository</code>");
    const run2 = run2Of(sync.html);
    expect(run2).toContain('invalid file</span></td><td class="mono">P001/repo-00001/port.yml</td>');
    expect(run2).toContain("[0].blueprint: must be a string");
  });

  it("shows the mapping in force and maps a live item field by field", async () => {
    const { page } = await runningAgent();

    const mapping = await page("/mapping?resource=1&items=2&item=1");

    expect(mapping.status).toBe(200);
    expect(mapping.html).toContain("In force: the mapping file");
    expect(mapping.html).toContain("Live item 2 of 2");
    expect(mapping.html).toMatch(/<h2>Raw item<\/h2><pre>\{/);
    expect(mapping.html).toContain("<code>properties.url</code>");
  });
});
