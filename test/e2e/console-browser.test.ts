import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LiveFixture, startLiveFixture, waitFor } from "../support/live-fixture";
import { openPoisonPullRequests, poisonMappingFile } from "../support/poison-mapping";

/**
 * The console in a real browser: Debian's chromium, headless, driven by playwright-core, against a real agent
 * (`bbrelay run` with a local catalog, the edge in workerd, the fake Bitbucket). Screenshots go to
 * .tmp/console-screenshots/ for a person to look at.
 */

const CHROMIUM = process.env.BBRELAY_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SCREENSHOTS = join(process.cwd(), ".tmp", "console-screenshots");
const INSTANCE = { seed: 3, projects: 3, repositories: 8, pullRequests: 16, users: 5, emptyRatio: 0, archivedRatio: 0 };

let browser: Browser;
const fixtures: LiveFixture[] = [];

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser.close();
});

afterEach(async () => {
  for (const fixture of fixtures.splice(0)) await fixture.close();
});

async function consoleOnAgent(): Promise<{ live: LiveFixture; url: string; page: Page }> {
  const live = await startLiveFixture({ mappingFile: poisonMappingFile() });
  fixtures.push(live);
  live.fake.generate(INSTANCE);
  const agent = live.startAgent();
  await live.waitFirstResync();
  const url = await agent.consoleUrl();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, javaScriptEnabled: false });
  const page = await context.newPage();
  return { live, url, page };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

describe("the console in Chromium", () => {
  it("renders every page, finds an entity by search and follows a relation to its target", async () => {
    const { live, url, page } = await consoleOnAgent();
    const repository = live.entities().find((entity) => entity.blueprint === "bitbucketRepository");
    if (repository === undefined) throw new Error("no repository in the catalog");
    const projectIdentifier = String(repository.relations.project);
    const project = live.entities().find((entity) => entity.identifier === projectIdentifier);

    await page.goto(url);
    await expect(page.locator("h1").textContent()).resolves.toBe("Overview");
    await shot(page, "overview");

    await page.click("nav >> text=Catalog");
    await expect(page.locator("h1").textContent()).resolves.toBe("Catalog");
    await expect(page.locator("table").textContent()).resolves.toContain("bitbucketRepository");
    await shot(page, "catalog");

    await page.fill("input[name=q]", repository.identifier);
    await page.click("button:has-text('Search')");
    await page.click(`a:text-is("${repository.identifier}")`);
    await expect(page.locator("h1").textContent()).resolves.toBe(repository.title ?? repository.identifier);
    await shot(page, "entity");

    await page.click(`a:text-is("${projectIdentifier}")`);
    expect(new URL(page.url()).searchParams.get("blueprint")).toBe("bitbucketProject");
    await expect(page.locator("h1").textContent()).resolves.toBe(project?.title ?? projectIdentifier);
    await expect(page.locator("section", { hasText: "Pointing at it" }).textContent()).resolves.toContain(
      repository.identifier,
    );
    await shot(page, "entity-target");

    for (const [link, heading] of [
      ["Sync", "Sync"],
      ["Queue", "Queue"],
      ["Mapping", "Mapping"],
    ] as const) {
      await page.click(`nav >> text=${link}`);
      await expect(page.locator("h1").textContent()).resolves.toBe(heading);
    }
    await page.selectOption("select[name=resource]", "1");
    await page.click("button:has-text('Map live items')");
    await expect(page.locator("h2", { hasText: "Raw item" }).count()).resolves.toBe(1);
    await shot(page, "mapping");
  }, 180_000);

  it("redrives a dead letter, which then leaves the list, and a resync request shows in the history", async () => {
    const { live, url, page } = await consoleOnAgent();
    const [poisoned] = await openPoisonPullRequests(live.fake, 1);
    if (poisoned === undefined) throw new Error("no poison pull request");
    await waitFor(async () => (await live.stats()).deadLetters === 1, 30_000, "a dead letter");

    await page.goto(`${url}/queue`);
    const row = page.locator("tr[data-dead-letter]");
    await expect(row.count()).resolves.toBe(1);
    await expect(row.textContent()).resolves.toContain("poison pill");
    await shot(page, "queue-dead-letter");
    // The operator fixes the cause (the title the mapping chokes on), then redrives.
    await live.fake.mutations.updatePullRequest({ ...poisoned, title: "cured" });
    await row.locator("button:has-text('Redrive')").click();
    await expect(page.locator(".notice").textContent()).resolves.toContain("Redriven 1 dead letter(s)");
    await waitFor(
      async () => {
        await page.goto(`${url}/queue`);
        return (await page.locator("tr[data-dead-letter]").count()) === 0;
      },
      30_000,
      "the redriven letter to leave the list",
    );
    await expect(page.locator(".empty").textContent()).resolves.toContain("No dead letters");
    await shot(page, "queue-empty");

    await page.goto(`${url}/sync`);
    const before = await page.locator("section.run").count();
    await page.click("button:has-text('Request a resync')");
    await expect(page.locator(".notice").textContent()).resolves.toMatch(/Resync requested|already waiting/);
    await waitFor(
      async () => {
        await page.goto(`${url}/sync`);
        return (await page.locator("section.run").count()) > before;
      },
      60_000,
      "the requested resync in the history",
    );
    // The newest run comes first: the one the button asked for.
    await expect(page.locator("section.run h2").first().textContent()).resolves.toContain(`Resync #${before + 1}`);
    await expect(page.locator("table", { hasText: "When" }).textContent()).resolves.toContain("pr:opened");
    await shot(page, "sync");
  }, 180_000);
});
