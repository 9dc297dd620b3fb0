// bench:files — what repository files cost a resync: a generated instance whose every repository is a monorepo
// (package.json at the root and in two folders, a port.yml, and other files), served by the fake over loopback
// HTTP, resynced through the agent's real client, file reader and file store into the local catalog with a mapping
// whose one resource is `kind: file` on `**/package.json`, and GitOps on. Four runs: cold (empty file store), the
// same again (nothing changed), after a push changed one package.json in a quarter of the repositories, and after a
// push changed each of those repositories' port.yml. Prints, per run, the Bitbucket requests by sort (repository
// listing, default branches, file listings, file reads, changed-paths requests) and checks the bounds the design
// promises:
// - cold: one file listing per repository (one page per 1,000 paths, the server's cap) and one read per matching
//   file (plus port.yml);
// - unchanged: no listing and no read (a repository whose default branch did not move costs its tip only);
// - after a push: no listing, one changed-paths request per moved repository, one read per changed file.
// Exits 1 when a bound is broken. Quick by default (20 repositories).
//
// Usage: npm run bench -- files [--repositories N] [--other-files N]
import { parseArgs } from "node:util";
import type { ResyncSummary } from "../../relay/sync/resync-summary";
import type { LoggedRequest } from "../fakes/bitbucket-server/request-log";
import { startGitOpsFixture } from "../node/gitops/support/gitops-fixture";

const HELP = `bench:files — the requests a resync with a file resource (and GitOps) makes: cold, unchanged, after pushes

Usage: npm run bench -- files [--repositories N] [--other-files N]

  --repositories N  repositories, each with 3 package.json and a port.yml (default 20, 1 to 2000)
  --other-files N   files in each repository that nothing watches (default 50, 0 to 5000)
  --help            this text`;

const MAPPING = `
resources:
  - kind: file
    selector:
      query: 'true'
      files:
        path: '**/package.json'
    port:
      entity:
        mappings:
          identifier: .repo.project.key + "/" + .repo.slug + "/" + .metadata.path
          title: .content.name
          blueprint: '"manifest"'
          properties:
            version: .content.version
            path: .metadata.path
`;

const PACKAGES = ["package.json", "apps/web/package.json", "libs/ui/package.json"];

/** Paths per page of a file listing: what the agent asks for, and Bitbucket's default cap. */
const PAGE_CAP = 1_000;

type Sort = "repositories" | "tips" | "listings" | "reads" | "changes" | "other";

function sortOf(request: LoggedRequest): Sort {
  if (/\/repos\/[^/]+\/raw\//.test(request.path)) return "reads";
  if (/\/repos\/[^/]+\/files(\/|$)/.test(request.path)) return "listings";
  if (/\/commits\/[^/]+\/changes$/.test(request.path)) return "changes";
  if (request.path.endsWith("/branches/default")) return "tips";
  if (/\/projects(\/[^/]+\/repos)?$/.test(request.path)) return "repositories";
  return "other";
}

interface Figures {
  run: string;
  ms: number;
  counts: Record<Sort, number>;
  summary: ResyncSummary;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      repositories: { type: "string" },
      "other-files": { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const repositories = Number(values.repositories ?? "20");
  const otherFiles = Number(values["other-files"] ?? "50");
  if (!(Number.isInteger(repositories) && repositories >= 1 && repositories <= 2000))
    throw new Error("--repositories must be a whole number from 1 to 2000");
  if (!(Number.isInteger(otherFiles) && otherFiles >= 0 && otherFiles <= 5000))
    throw new Error("--other-files must be a whole number from 0 to 5000");

  const fixture = await startGitOpsFixture("local", { mappingText: MAPPING });
  const { fake } = fixture.started;
  try {
    fake.generate({
      seed: 11,
      projects: Math.max(1, Math.ceil(repositories / 10)),
      repositories,
      pullRequests: 0,
      users: 2,
      archivedRatio: 0,
      emptyRatio: 0,
      files: ({ number }) => {
        const files: Record<string, string> = {
          "port.yml": `- identifier: service-${number}\n  blueprint: service\n  properties: {language: go}\n`,
        };
        for (const path of PACKAGES) files[path] = JSON.stringify({ name: `${number}/${path}`, version: "1.0.0" });
        for (let index = 0; index < otherFiles; index++)
          files[`src/module-${index}.ts`] = `export const n = ${index};\n`;
        return files;
      },
    });
    const refs = [...fake.state.repositories.values()].map((repository) => ({
      projectKey: fake.state.requireProject(repository.projectId).key,
      repositorySlug: repository.slug,
    }));
    const moved = refs.filter((_ref, index) => index % 4 === 0);

    const measure = async (run: string): Promise<Figures> => {
      fake.requests.clear();
      const started = performance.now();
      const summary = await fixture.resync();
      const ms = performance.now() - started;
      const counts: Record<Sort, number> = { repositories: 0, tips: 0, listings: 0, reads: 0, changes: 0, other: 0 };
      for (const request of fake.requests.entries) counts[sortOf(request)]++;
      return { run, ms, counts, summary };
    };

    const figures: Figures[] = [];
    figures.push(await measure("cold"));
    figures.push(await measure("unchanged"));
    for (const ref of moved)
      await fake.mutations.pushCommits({
        ...ref,
        files: { "package.json": JSON.stringify({ name: `${ref.repositorySlug}`, version: "1.1.0" }) },
      });
    figures.push(await measure(`1 package.json pushed in ${moved.length}`));
    for (const ref of moved)
      await fake.mutations.pushCommits({
        ...ref,
        files: {
          "port.yml": `- identifier: ${ref.repositorySlug}\n  blueprint: service\n  properties: {language: rust}\n`,
        },
      });
    figures.push(await measure(`port.yml pushed in ${moved.length}`));

    console.log(
      `${repositories} repositories, each with ${PACKAGES.length} package.json, a port.yml and ${otherFiles} other files (GitOps on)\n`,
    );
    const header = ["run", "status", "ms", "repo lists", "tips", "listings", "reads", "changes", "other", "written"];
    const rows = figures.map((figure) => [
      figure.run,
      figure.summary.status,
      figure.ms.toFixed(0),
      String(figure.counts.repositories),
      String(figure.counts.tips),
      String(figure.counts.listings),
      String(figure.counts.reads),
      String(figure.counts.changes),
      String(figure.counts.other),
      String(
        figure.summary.kinds.reduce((sum, kind) => sum + kind.created + kind.updated + kind.deleted, 0) +
          (figure.summary.gitops === undefined
            ? 0
            : figure.summary.gitops.created + figure.summary.gitops.updated + figure.summary.gitops.deleted),
      ),
    ]);
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
    );
    for (const row of [header, ...rows])
      console.log(row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join("  "));

    const [cold, unchanged, pushed, gitops] = figures;
    if (cold === undefined || unchanged === undefined || pushed === undefined || gitops === undefined) return 1;
    const broken: string[] = [];
    const expect = (ok: boolean, what: string) => {
      if (!ok) broken.push(what);
    };
    for (const figure of figures)
      expect(figure.summary.status === "succeeded", `${figure.run}: ${figure.summary.status}`);
    // One listing per repository, paged at the server's cap (page.max.*, 1,000 paths by default): a repository
    // holding more paths than that costs one request per 1,000.
    const pagesPerListing = Math.ceil((otherFiles + PACKAGES.length + 2) / PAGE_CAP);
    expect(
      cold.counts.listings <= repositories * pagesPerListing,
      `cold: ${cold.counts.listings} listing pages > ${repositories} repositories × ${pagesPerListing} page(s)`,
    );
    expect(
      cold.counts.reads === repositories * (PACKAGES.length + 1),
      `cold: ${cold.counts.reads} reads ≠ ${repositories * (PACKAGES.length + 1)} matching files and port.yml`,
    );
    expect(
      unchanged.counts.listings + unchanged.counts.reads + unchanged.counts.changes === 0,
      "unchanged: files were listed or read again",
    );
    for (const figure of [pushed, gitops]) {
      expect(figure.counts.listings === 0, `${figure.run}: ${figure.counts.listings} listings`);
      expect(figure.counts.changes === moved.length, `${figure.run}: ${figure.counts.changes} changes requests`);
      expect(figure.counts.reads === moved.length, `${figure.run}: ${figure.counts.reads} reads ≠ ${moved.length}`);
    }
    console.log(
      broken.length === 0
        ? `\nBounds hold: cold ≤ 1 listing per repository (${pagesPerListing} page(s) of ${PAGE_CAP} paths) and 1 read per matching file; unchanged reads nothing; a push costs 1 changes request per moved repository and 1 read per changed file.`
        : `\nBOUNDS BROKEN:\n  ${broken.join("\n  ")}`,
    );
    return broken.length === 0 ? 0 : 1;
  } finally {
    await fixture.close();
  }
}

process.exitCode = await main();
