import { EXCEPTIONS, errorResponse, noContent, ok } from "../rest-errors";
import { branchJson, commitJson } from "../serialize";
import { commitChanges, compareChanges, files, raw } from "./files";
import { findRepository, page, type Route, type RouteContext } from "./route-context";

/**
 * Commits and branches (reference §3.5, §3.6), and the file routes of files.ts: `readme` finds README, README.md or
 * README.txt at `at` (default branch by default); `raw` returns bytes, or a JSON 404; `commits` walks the default branch; `branches/default` answers 204 on an empty
 * repository and 404 when the configured default branch was never created; `default-branch` gives the configured
 * ref whatever exists.
 */

const README_NAMES = ["README", "README.md", "README.txt"];

function text(content: string) {
  return { status: 200, text: content, contentType: "text/plain;charset=UTF-8" };
}

function noSuchPath(path: string, branch: string) {
  return errorResponse(
    404,
    `The path "${path}" does not exist at revision "refs/heads/${branch}"`,
    EXCEPTIONS.noSuchPath,
  );
}

function readme(ctx: RouteContext) {
  if (!ctx.settings.readmeEndpoint) return errorResponse(404, "Not Found", null);
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const repository = found.value;
  const tree = ctx.state.resolveAt(repository, ctx.query.get("at"))?.tree;
  for (const name of README_NAMES) {
    const content = tree?.get(name);
    if (content !== undefined) return text(typeof content === "string" ? content : Buffer.from(content).toString());
  }
  return noSuchPath("README", repository.defaultBranch);
}

function commits(ctx: RouteContext) {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const repository = found.value;
  const until = ctx.query.get("until");
  let tip: string | undefined;
  if (until === null) {
    tip = repository.branches.get(repository.defaultBranch);
    if (tip === undefined && ctx.settings.emptyRepositoryCommits === "not-found") {
      return errorResponse(404, `Repository ${repository.slug} does not have any commits.`, EXCEPTIONS.noSuchCommit);
    }
  } else {
    const branch = until.replace(/^refs\/heads\//, "");
    tip = repository.branches.get(branch) ?? (ctx.state.commits.has(until) ? until : undefined);
    if (tip === undefined) {
      return errorResponse(
        404,
        `Commit '${until}' does not exist in repository '${repository.slug}'.`,
        EXCEPTIONS.noSuchCommit,
      );
    }
  }
  return page(ctx, "commits", ctx.state.history(tip), (commit) => commitJson(commit, ctx.ser));
}

function branches(ctx: RouteContext) {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const repository = found.value;
  const filter = ctx.query.get("filterText")?.toLowerCase();
  const list = [...repository.branches.entries()]
    .filter(([name]) => filter === undefined || name.toLowerCase().includes(filter))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, tip]) => branchJson(repository, name, tip));
  return page(ctx, "branches", list);
}

function defaultBranch(ctx: RouteContext) {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const repository = found.value;
  if (repository.branches.size === 0) return noContent();
  const tip = repository.branches.get(repository.defaultBranch);
  if (tip === undefined) {
    return errorResponse(404, `Repository ${repository.slug} has no default branch.`, EXCEPTIONS.noSuchBranch);
  }
  return ok(branchJson(repository, repository.defaultBranch, tip));
}

function configuredDefaultBranch(ctx: RouteContext) {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const name = found.value.defaultBranch;
  return ok({ id: `refs/heads/${name}`, displayId: name, type: "BRANCH" });
}

const REPO = "projects/:projectKey/repos/:repositorySlug";

export const contentRoutes: Route[] = [
  { method: "GET", pattern: `${REPO}/readme`, handler: readme },
  { method: "GET", pattern: `${REPO}/raw/*path`, handler: raw },
  { method: "GET", pattern: `${REPO}/files`, handler: files },
  { method: "GET", pattern: `${REPO}/files/*path`, handler: files },
  { method: "GET", pattern: `${REPO}/commits/:commitId/changes`, handler: commitChanges },
  { method: "GET", pattern: `${REPO}/compare/changes`, handler: compareChanges },
  { method: "GET", pattern: `${REPO}/commits`, handler: commits },
  { method: "GET", pattern: `${REPO}/branches`, handler: branches },
  { method: "GET", pattern: `${REPO}/branches/default`, handler: defaultBranch },
  { method: "GET", pattern: `${REPO}/default-branch`, handler: configuredDefaultBranch },
];
