import { EXCEPTIONS, errorResponse, ok } from "../rest-errors";
import { pullRequestJson } from "../serialize";
import { findRepository, page, param, type Route, type RouteContext } from "./route-context";

/**
 * Pull requests of a repository. Biting defaults (reference §3.3): `state` OPEN, `direction` INCOMING (PRs whose
 * target is this repository, forks included), `order` NEWEST.
 */

const STATES = new Set(["OPEN", "MERGED", "DECLINED", "ALL"]);

function listPullRequests(ctx: RouteContext) {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const repository = found.value;
  const state = (ctx.query.get("state") ?? "OPEN").toUpperCase();
  if (!STATES.has(state)) {
    return errorResponse(400, `${state} is not a valid pull request state.`, EXCEPTIONS.validation, "state");
  }
  const direction = (ctx.query.get("direction") ?? "INCOMING").toUpperCase();
  const order = (ctx.query.get("order") ?? "NEWEST").toUpperCase();
  const at = ctx.query.get("at");
  const draft = ctx.query.get("draft");
  const text = ctx.query.get("filterText")?.toLowerCase();
  const candidates =
    direction === "OUTGOING"
      ? [...ctx.state.pullRequests.values()].flat().filter((pr) => pr.fromRef.repositoryId === repository.id)
      : ctx.state.pullRequestsOf(repository.id);
  const side = direction === "OUTGOING" ? "fromRef" : "toRef";
  const selected = candidates
    .filter((pr) => state === "ALL" || pr.state === state)
    .filter((pr) => at === null || `refs/heads/${pr[side].branch}` === at || pr[side].branch === at)
    .filter((pr) => draft === null || pr.draft === (draft === "true"))
    .filter((pr) => text === undefined || `${pr.title} ${pr.description ?? ""}`.toLowerCase().includes(text))
    .sort((a, b) => (order === "OLDEST" ? 1 : -1) * (a.createdDate - b.createdDate || a.id - b.id));
  const withProperties = ctx.query.get("withProperties") !== "false";
  return page(ctx, "pullRequests", selected, (pr) => {
    const json = pullRequestJson(pr, ctx.ser);
    if (!withProperties) delete json.properties;
    return json;
  });
}

function getPullRequest(ctx: RouteContext) {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const id = Number(param(ctx, "pullRequestId"));
  const pr = Number.isSafeInteger(id) ? ctx.state.pullRequest(found.value.id, id) : undefined;
  if (pr === undefined) {
    const key = ctx.state.requireProject(found.value.projectId).key;
    const message = `Pull request ${param(ctx, "pullRequestId")} does not exist in ${key}/${found.value.slug}.`;
    return errorResponse(404, message, EXCEPTIONS.noSuchPullRequest);
  }
  return ok(pullRequestJson(pr, ctx.ser));
}

const BASE = "projects/:projectKey/repos/:repositorySlug/pull-requests";

export const pullRequestRoutes: Route[] = [
  { method: "GET", pattern: BASE, handler: listPullRequests },
  { method: "GET", pattern: `${BASE}/:pullRequestId`, handler: getPullRequest },
];
