import { canViewProject, repositoryLevel } from "../auth";
import { EXCEPTIONS, errorResponse, ok } from "../rest-errors";
import { projectJson, repositoryJson } from "../serialize";
import { versionAtLeast } from "../version-gate";
import { findProject, findRepository, page, type Route, type RouteContext } from "./route-context";

/**
 * Projects and repositories. The biting default lives here: the global `/repos` search hides archived
 * repositories unless `archived=ALL` (8.0+), while a project's own listing includes them (reference §3.2, §7.4).
 */

const PERMISSION_LEVEL: Record<string, number> = { REPO_READ: 1, REPO_WRITE: 2, REPO_ADMIN: 3 };

function listProjects(ctx: RouteContext) {
  const name = ctx.query.get("name")?.toLowerCase();
  const projects = [...ctx.state.projects.values()]
    .filter((project) => project.type === "NORMAL")
    .filter((project) => name === undefined || project.name.toLowerCase().includes(name))
    .filter((project) => canViewProject(ctx.principal, project, ctx.state))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return page(ctx, "projects", projects, (project) => projectJson(project, ctx.ser));
}

function getProject(ctx: RouteContext) {
  const found = findProject(ctx);
  return found.ok ? ok(projectJson(found.value, ctx.ser)) : found.response;
}

function listProjectRepositories(ctx: RouteContext) {
  const found = findProject(ctx);
  if (!found.ok) return found.response;
  const repositories = ctx.state
    .repositoriesOf(found.value.id)
    .filter((repo) => repositoryLevel(ctx.principal, repo, ctx.state) >= 1);
  return page(ctx, "repositories", repositories, (repo) => repositoryJson(repo, ctx.ser));
}

function getRepository(ctx: RouteContext) {
  const found = findRepository(ctx);
  return found.ok ? ok(repositoryJson(found.value, ctx.ser)) : found.response;
}

function searchRepositories(ctx: RouteContext) {
  const { query, state, principal } = ctx;
  const archived = (query.get("archived") ?? "ACTIVE").toUpperCase();
  if (!["ACTIVE", "ARCHIVED", "ALL"].includes(archived)) {
    return errorResponse(400, `Invalid archived value: ${archived}`, EXCEPTIONS.validation, "archived");
  }
  const filterArchived = versionAtLeast(ctx.settings.version, "8.0");
  const projectKey = query.get("projectkey")?.toUpperCase();
  const name = query.get("name")?.toLowerCase();
  const visibility = query.get("visibility")?.toLowerCase();
  const permission = query.get("permission")?.toUpperCase();
  // Anonymous callers asking for a permission always get nothing (Atlassian's note in the spec).
  if (permission !== undefined && principal.kind === "anonymous") return page(ctx, "repositories", []);
  const needed = permission === undefined ? 1 : (PERMISSION_LEVEL[permission] ?? 1);
  const repositories = [...state.repositories.values()]
    .filter((repo) => !filterArchived || archived === "ALL" || repo.archived === (archived === "ARCHIVED"))
    .filter((repo) => projectKey === undefined || state.requireProject(repo.projectId).key.toUpperCase() === projectKey)
    .filter((repo) => name === undefined || repo.name.toLowerCase().includes(name))
    .filter((repo) => visibility === undefined || repo.public === (visibility === "public"))
    .filter((repo) => repositoryLevel(principal, repo, state) >= needed)
    .sort((a, b) => {
      const left = `${state.requireProject(a.projectId).key}/${a.slug}`;
      const right = `${state.requireProject(b.projectId).key}/${b.slug}`;
      return left < right ? -1 : left > right ? 1 : 0;
    });
  return page(ctx, "repositories", repositories, (repo) => repositoryJson(repo, ctx.ser));
}

export const projectRoutes: Route[] = [
  { method: "GET", pattern: "projects", handler: listProjects },
  { method: "GET", pattern: "projects/:projectKey", handler: getProject },
  { method: "GET", pattern: "projects/:projectKey/repos", handler: listProjectRepositories },
  { method: "GET", pattern: "projects/:projectKey/repos/:repositorySlug", handler: getRepository },
  { method: "GET", pattern: "repos", handler: searchRepositories },
];
