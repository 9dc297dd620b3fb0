import { isAdmin, repositoryLevel } from "../auth";
import type { UserRecord } from "../model";
import { EXCEPTIONS, errorResponse, ok, unauthorised } from "../rest-errors";
import { adminUserJson, repositoryJson, userJson } from "../serialize";
import { page, param, type Route, type RouteContext } from "./route-context";

/**
 * Users: `/users` for any authenticated caller (hiding deactivated accounts by default, which is why clients
 * prefer `/admin/users`), `/admin/users` with directory details behind a permission that the fake can switch
 * (ADMIN, or LICENSED_USER as the 9.2 spec says) so that `doctor` can be tested both ways.
 */

function filtered(ctx: RouteContext, includeInactive: boolean): UserRecord[] {
  const filter = ctx.query.get("filter")?.toLowerCase();
  return [...ctx.state.users.values()]
    .filter((user) => includeInactive || user.active)
    .filter(
      (user) =>
        filter === undefined ||
        [user.name, user.displayName, user.emailAddress ?? ""].some((field) => field.toLowerCase().includes(filter)),
    )
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function notLoggedIn() {
  return errorResponse(401, "You are not permitted to access this resource", EXCEPTIONS.notLoggedIn);
}

function listUsers(ctx: RouteContext) {
  if (ctx.principal.kind === "anonymous") return notLoggedIn();
  const users = filtered(ctx, !ctx.settings.usersHidesInactive);
  return page(ctx, "users", users, (user) => userJson(user, ctx.ser));
}

function listAdminUsers(ctx: RouteContext) {
  const { principal } = ctx;
  if (principal.kind === "anonymous") return notLoggedIn();
  const licensed =
    principal.user.globalPermission !== null &&
    (principal.token === undefined || principal.token.scope.type === "user");
  const allowed = ctx.settings.adminUsersPermission === "ADMIN" ? isAdmin(principal) : licensed;
  if (!allowed) return unauthorised();
  return page(ctx, "users", filtered(ctx, true), (user) => adminUserJson(user, ctx.ser));
}

function getUser(ctx: RouteContext) {
  if (ctx.principal.kind === "anonymous") return notLoggedIn();
  const slug = param(ctx, "userSlug");
  const user = ctx.state.userBySlug(slug);
  if (user === undefined) return errorResponse(404, `User ${slug} does not exist.`, EXCEPTIONS.noSuchUser);
  return ok(userJson(user, ctx.ser));
}

/** A user's personal repositories (the `~SLUG` project). */
function listUserRepositories(ctx: RouteContext) {
  const slug = param(ctx, "userSlug");
  const user = ctx.state.userBySlug(slug);
  if (user === undefined) return errorResponse(404, `User ${slug} does not exist.`, EXCEPTIONS.noSuchUser);
  const project = [...ctx.state.projects.values()].find((p) => p.type === "PERSONAL" && p.ownerId === user.id);
  const repositories =
    project === undefined
      ? []
      : ctx.state.repositoriesOf(project.id).filter((repo) => repositoryLevel(ctx.principal, repo, ctx.state) >= 1);
  return page(ctx, "repositories", repositories, (repo) => repositoryJson(repo, ctx.ser));
}

export const userRoutes: Route[] = [
  { method: "GET", pattern: "users", handler: listUsers },
  { method: "GET", pattern: "users/:userSlug", handler: getUser },
  { method: "GET", pattern: "users/:userSlug/repos", handler: listUserRepositories },
  { method: "GET", pattern: "admin/users", handler: listAdminUsers },
];
