import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { recordPageSource } from "../../../relay/bitbucket/page-source";
import type { LocalCatalog } from "../../../relay/catalog/local/local-catalog";
import { DEFAULT_MAPPING_YAML } from "../../../relay/config/default-mapping";
import { loadMapping } from "../../../relay/config/mapping-loader";
import { createMappingEngine } from "../../../relay/mapping/create-engine";
import type { JqEngine, JqProgram, Json } from "../../../relay/mapping/engine";
import { isPureMapping, listedPageDigests, type PageDigestMemo, pageDigests } from "../../../relay/sync/item-digest";
import type { ResyncSummary } from "../../../relay/sync/resync-summary";
import { kind, type ResyncFixture, startResyncFixture } from "../../support/resync-fixture";

/**
 * Item digests: an item exactly as at the last successful resync is counted unchanged without running its jq. The
 * jq runs are counted through an engine that wraps the real one (a fake of the engine interface, not a timing).
 */

const SMALL = { seed: 7, projects: 2, repositories: 12, pullRequests: 30, users: 5 };
const fixtures: ResyncFixture[] = [];

/** The real engine, counting every program run (fused calls included: they are programs too). */
class CountingEngine implements JqEngine {
  readonly #inner: JqEngine = createMappingEngine();
  runs = 0;
  get name(): string {
    return this.#inner.name;
  }
  async compile(source: string) {
    const outcome = await this.#inner.compile(source);
    if (outcome.kind !== "ok") return outcome;
    const inner = outcome.program;
    const program: JqProgram = {
      source: inner.source,
      engine: inner.engine,
      first: (input) => {
        this.runs++;
        return inner.first(input);
      },
    };
    return { kind: "ok" as const, program };
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

async function fixture(mappingText?: string): Promise<{ started: ResyncFixture; engine: CountingEngine }> {
  const engine = new CountingEngine();
  const started = await startResyncFixture({ engine, ...(mappingText === undefined ? {} : { mappingText }) });
  fixtures.push(started);
  started.fake.generate(SMALL);
  return { started, engine };
}

afterEach(async () => {
  for (const started of fixtures.splice(0)) await started.close();
});

function entities(started: ResyncFixture) {
  return (started.catalog as LocalCatalog).query({}).map((entity) => ({
    blueprint: entity.blueprint,
    id: entity.identifier,
    title: entity.title,
    properties: entity.properties,
    relations: entity.relations,
  }));
}

/** The kinds' counts without their durations. */
function counts(summary: ResyncSummary) {
  return summary.kinds.map(({ durationMs: _, ...rest }) => rest);
}

/** The pull-request kind's own mapping text with one jq leaf (its title) replaced. */
function withPullRequestTitle(title: string): string {
  const replaced = DEFAULT_MAPPING_YAML.replace(
    /(- kind: pull-request[\s\S]*?\n\s+title: ).*\n/,
    (_match, head: string) => `${head}${title}\n`,
  );
  if (replaced === DEFAULT_MAPPING_YAML) throw new Error("the default mapping has no pull-request title leaf");
  return replaced;
}

function somePullRequest(started: ResyncFixture) {
  const state = started.fake.state;
  for (const [repositoryId, list] of state.pullRequests) {
    const pr = list.find((entry) => entry.state === "OPEN");
    const repository = state.repositories.get(repositoryId);
    if (pr === undefined || repository === undefined) continue;
    const project = state.requireProject(repository.projectId);
    return {
      input: { projectKey: project.key, repositorySlug: repository.slug, pullRequestId: pr.id },
      identifier: `${project.type === "PERSONAL" ? `@${project.key.replace(/^~/, "")}` : project.key}/${repository.slug}/${pr.id}`,
    };
  }
  throw new Error("the generated instance has no open pull request");
}

describe("an item exactly as at the last successful resync is not mapped again", () => {
  it("runs no jq on an unchanged instance, and counts, summaries and entities stay the same", async () => {
    const { started, engine } = await fixture();
    const first = await started.resync();
    expect(first.status).toBe("succeeded");
    expect(engine.runs).toBeGreaterThan(0);
    expect(started.state.digestCount).toBeGreaterThan(0);
    const before = entities(started);
    engine.runs = 0;

    const second = await started.resync();

    expect(second.status).toBe("succeeded");
    expect(engine.runs).toBe(0);
    for (const entry of second.kinds) {
      const earlier = kind(first.kinds, entry.kind);
      expect(entry).toMatchObject({
        listed: earlier.listed,
        selected: earlier.selected,
        created: 0,
        updated: 0,
        deleted: 0,
        failed: 0,
        warnings: earlier.warnings,
        unchanged: earlier.created + earlier.updated + earlier.unchanged,
      });
    }
    expect(entities(started)).toEqual(before);
    // The sightings were recorded: nothing was taken for stale and deleted.
    expect(second.reconcile.deleted).toBe(0);
    // A third run over the shortcut's own records counts exactly as the second.
    const third = await started.resync();
    expect(counts(third)).toEqual(counts(second));
    expect(engine.runs).toBe(0);
  });

  it("maps again every item of a resource whose mapping changed, and only that resource", async () => {
    const { started, engine } = await fixture();
    await started.resync();
    const path = join(started.dir, "changed.yaml");
    writeFileSync(path, withPullRequestTitle(`'"PR " + .title'`));
    const mapping = await loadMapping({ source: { kind: "file", path }, engine });
    engine.runs = 0;

    const second = await started.resync({ mapping });

    expect(engine.runs).toBeGreaterThan(0);
    const prs = kind(second.kinds, "pull-request");
    expect(prs.updated).toBe(prs.selected);
    expect(prs.updated).toBeGreaterThan(0);
    expect(kind(second.kinds, "repository")).toMatchObject({ updated: 0, created: 0 });
    const titles = entities(started)
      .filter((entity) => entity.blueprint === "bitbucketPullRequest")
      .map((entity) => entity.title);
    expect(titles.length).toBe(prs.selected);
    for (const title of titles) expect(title).toMatch(/^PR /);
  });

  it("never takes the shortcut for a mapping that reads the clock", async () => {
    const { started, engine } = await fixture(withPullRequestTitle(".title + (now | type | .[0:0])"));
    const first = await started.resync();
    expect(first.status).toBe("succeeded");
    engine.runs = 0;

    const second = await started.resync();

    const prs = kind(second.kinds, "pull-request");
    expect(prs.unchanged).toBe(prs.selected);
    // Every pull request ran its jq again (at least one program per item); the other kinds ran none.
    expect(engine.runs).toBeGreaterThanOrEqual(prs.listed);
    // The other resources are pure: with the pull requests left out, nothing runs.
    engine.runs = 0;
    await started.resync({ kinds: ["project", "repository", "user"] });
    expect(engine.runs).toBe(0);
  });

  it("writes again an entity deleted from the catalog by hand, and maps only its item", async () => {
    const { started, engine } = await fixture();
    await started.resync();
    const pr = somePullRequest(started);
    await started.catalog.delete([{ blueprint: "bitbucketPullRequest", identifier: pr.identifier }], {
      deleteDependents: false,
    });
    engine.runs = 0;

    const second = await started.resync();

    expect(kind(second.kinds, "pull-request")).toMatchObject({ created: 1, updated: 0 });
    expect(engine.runs).toBeGreaterThan(0);
    const ids = entities(started).map((entity) => entity.id);
    expect(ids).toContain(pr.identifier);
    // Only that item was mapped: a fused call or a few leaves, not the whole listing.
    engine.runs = 0;
    await started.resync();
    expect(engine.runs).toBe(0);
  });

  it("maps and writes an item that changed, and takes the shortcut for it once written", async () => {
    const { started, engine } = await fixture();
    await started.resync();
    const pr = somePullRequest(started);
    await started.fake.mutations.updatePullRequest({ ...pr.input, title: "a new title" });
    engine.runs = 0;

    const second = await started.resync();

    expect(kind(second.kinds, "pull-request")).toMatchObject({ updated: 1, created: 0 });
    expect(engine.runs).toBeGreaterThan(0);
    expect(entities(started).find((entity) => entity.id === pr.identifier)?.title).toBe("a new title");
    engine.runs = 0;
    await started.resync();
    expect(engine.runs).toBe(0);
  });

  it("takes the shortcut in a dry run without recording anything, and counts as the writer would", async () => {
    const { started, engine } = await fixture();
    const first = await started.resync();
    const digests = started.state.digestCount;
    engine.runs = 0;
    const dry = await started.resync({ dryRun: true });
    expect(engine.runs).toBe(0);
    expect(started.state.digestCount).toBe(digests);
    for (const entry of dry.kinds)
      expect(entry).toMatchObject({ created: 0, updated: 0, selected: kind(first.kinds, entry.kind).selected });
  });
});

describe("a mapping is taken for pure only when none of its jq may read beyond its input", () => {
  it.each([
    ["now", false],
    ["(now | todate)", false],
    ["env.HOME", false],
    ["$ENV.PATH", false],
    ["input", false],
    ["[inputs]", false],
    ["$__prog_args", false],
    ["input_filename", false],
    ['import "a" as a; a::f', false],
    ["localtime", false],
    [".title", true],
    ['.x | ltrimstr("~")', true],
    [".nowhere", true],
    [".environment", true],
    ['"a" + (.id | tostring)', true],
  ])("%s → %s", (source, pure) => {
    expect(isPureMapping([".id", source])).toBe(pure);
  });
});

describe("a page's digests sit side by side in the agent state's key order", () => {
  it("prefixes every digest of a page with its first item's, so items of one page share a key range", () => {
    const page = [{ id: 1 }, { id: 2 }, { id: 3 }];
    const digests = pageDigests("f", page);
    const prefix = digests[0]?.slice(0, 12);

    expect(new Set(digests).size).toBe(3);
    expect(digests.every((digest) => digest.startsWith(prefix ?? "-"))).toBe(true);
    // The same item under another first item is another key: the page takes the full path once, never a wrong one.
    expect(pageDigests("f", [{ id: 0 }, ...page])[1]).not.toBe(digests[0]);
    expect(pageDigests("f", page)).toEqual(digests);
    expect(pageDigests("g", page)[0]).not.toBe(digests[0]);
  });
});

/** A page memo in a Map, counting what it is asked to remember. */
class MapMemo implements PageDigestMemo {
  readonly pages = new Map<string, string[]>();
  remembered = 0;
  recall(page: string): string[] | undefined {
    return this.pages.get(page);
  }
  remember(page: string, _fingerprint: string, digests: readonly string[]): void {
    this.remembered++;
    this.pages.set(page, [...digests]);
  }
}

function listedPage(text: string, kept: readonly number[] | "all" = "all"): Json[] {
  const values = (JSON.parse(text) as { values: Json[] }).values;
  const page = kept === "all" ? values : kept.map((position) => values[position] ?? null);
  recordPageSource(page, text, kept);
  return page;
}

describe("a page Bitbucket sends again as it was is not digested again", () => {
  const text = JSON.stringify({ values: [{ id: 1 }, { id: 2 }, { id: 3 }], isLastPage: true });

  it("takes the digests the memo has for the same page under the same mapping, and digests any other", () => {
    const memo = new MapMemo();
    const first = listedPageDigests("f", listedPage(text), memo);
    expect(first).toEqual(pageDigests("f", listedPage(text)));
    expect(memo.remembered).toBe(1);

    // What the memo holds is what is returned: the items are not serialized again.
    const [key] = memo.pages.keys();
    memo.pages.set(key ?? "", ["from", "the", "memo"]);
    expect(listedPageDigests("f", listedPage(text), memo)).toEqual(["from", "the", "memo"]);
    expect(memo.remembered).toBe(1);

    // Another mapping, another text, or fewer items kept from the same text: digested afresh, exactly.
    expect(listedPageDigests("g", listedPage(text), memo)).toEqual(pageDigests("g", listedPage(text)));
    const changed = text.replace('{"id":2}', '{"id":2,"title":"new"}');
    expect(listedPageDigests("f", listedPage(changed), memo)).toEqual(pageDigests("f", listedPage(changed)));
    expect(listedPageDigests("f", listedPage(text, [0, 2]), memo)).toEqual(pageDigests("f", [{ id: 1 }, { id: 3 }]));
    expect(memo.remembered).toBe(4);
  });

  it("digests item by item a page whose source is unknown, and remembers nothing of it", () => {
    const memo = new MapMemo();
    const page = [{ id: 1 }, { id: 2 }];
    expect(listedPageDigests("f", page, memo)).toEqual(pageDigests("f", page));
    expect(memo.remembered).toBe(0);
  });
});
