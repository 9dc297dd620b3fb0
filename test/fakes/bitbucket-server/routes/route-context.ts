import { canViewProject, type Level, repositoryLevel } from "../auth";
import type { FakeState } from "../fake-state";
import type { Principal, ProjectRecord, RepositoryRecord } from "../model";
import { pageOf, pageParams } from "../paging";
import { EXCEPTIONS, errorResponse, type FakeResponse, unauthorised } from "../rest-errors";
import type { SerializeContext } from "../serialize";
import type { WebhookDispatcher } from "../webhook-dispatcher";

/** What every route handler gets, and the lookups they share (404 vs 401 as Bitbucket answers them). */

export type PagedResource =
  | "projects"
  | "repositories"
  | "pullRequests"
  | "users"
  | "commits"
  | "branches"
  | "files"
  | "changes"
  | "webhooks";

export interface RouteSettings {
  version: string;
  pageCaps: Record<PagedResource, number>;
  nonContiguousPaging: boolean;
  readmeEndpoint: boolean;
  webhookSecretsReadable: boolean;
  adminUsersPermission: "LICENSED_USER" | "ADMIN";
  usersHidesInactive: boolean;
  emptyRepositoryCommits: "empty-page" | "not-found";
}

export interface RouteContext {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  principal: Principal;
  state: FakeState;
  ser: SerializeContext;
  settings: RouteSettings;
  dispatcher: WebhookDispatcher;
}

export type RouteHandler = (ctx: RouteContext) => FakeResponse | Promise<FakeResponse>;

export interface Route {
  method: string;
  /** Segments after `/rest/api/{1.0|latest}/`; `:name` binds one segment, `*name` the rest. */
  pattern: string;
  handler: RouteHandler;
}

export function page<T>(
  ctx: RouteContext,
  resource: PagedResource,
  items: readonly T[],
  serialize?: (item: T) => unknown,
): FakeResponse {
  const { start, limit } = pageParams(ctx.query);
  const request = {
    start,
    limit,
    cap: ctx.settings.pageCaps[resource],
    nonContiguous: ctx.settings.nonContiguousPaging,
  };
  return { status: 200, body: pageOf(items, request, serialize) };
}

export function param(ctx: RouteContext, name: string): string {
  return ctx.params[name] ?? "";
}

export type Lookup<T> = { ok: true; value: T } | { ok: false; response: FakeResponse };

function fail(response: FakeResponse): { ok: false; response: FakeResponse } {
  return { ok: false, response };
}

/** @returns the project, or the 404/401 Bitbucket gives */
export function findProject(ctx: RouteContext): Lookup<ProjectRecord> {
  const key = param(ctx, "projectKey");
  const project = ctx.state.projectByKey(key);
  if (project === undefined)
    return fail(errorResponse(404, `Project ${key} does not exist.`, EXCEPTIONS.noSuchProject));
  if (!canViewProject(ctx.principal, project, ctx.state)) return fail(unauthorised());
  return { ok: true, value: project };
}

/** @returns the repository when the caller has at least `level` on it, or the 404/401 Bitbucket gives */
export function findRepository(ctx: RouteContext, level: Level = 1): Lookup<RepositoryRecord> {
  const key = param(ctx, "projectKey");
  const slug = param(ctx, "repositorySlug");
  const project = ctx.state.projectByKey(key);
  if (project === undefined)
    return fail(errorResponse(404, `Project ${key} does not exist.`, EXCEPTIONS.noSuchProject));
  const repository = ctx.state.repositoryBySlug(key, slug);
  if (repository === undefined) {
    return fail(errorResponse(404, `Repository ${project.key}/${slug} does not exist.`, EXCEPTIONS.noSuchRepository));
  }
  if (repositoryLevel(ctx.principal, repository, ctx.state) < level) return fail(unauthorised());
  return { ok: true, value: repository };
}
