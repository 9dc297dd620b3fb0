import { projectLevel } from "../auth";
import type { WebhookRecord, WebhookScopeRecord } from "../model";
import { EXCEPTIONS, errorResponse, type FakeResponse, noContent, ok, unauthorised } from "../rest-errors";
import { webhookJson, webhookSummaryJson } from "../serialize";
import { PROJECT_WEBHOOKS_SINCE, versionAtLeast, WEBHOOK_EVENT_KEYS } from "../version-gate";
import { findProject, findRepository, type Lookup, page, param, type Route, type RouteContext } from "./route-context";

/**
 * Webhook management (reference §6): repository scope (REPO_ADMIN) and, from 8.8, project scope (PROJECT_ADMIN;
 * below 8.8 the resource does not exist: 404). Event keys are validated against what a live server accepts, and
 * one unknown key fails the whole create with "the event … is unknown". `…/search` on a repository merges in the
 * project's hooks.
 */

function scopeOf(ctx: RouteContext): Lookup<WebhookScopeRecord> {
  if (ctx.params.repositorySlug !== undefined) {
    const repo = findRepository(ctx, 3);
    return repo.ok ? { ok: true, value: { type: "repository", repositoryId: repo.value.id } } : repo;
  }
  if (!versionAtLeast(ctx.settings.version, PROJECT_WEBHOOKS_SINCE)) {
    return { ok: false, response: errorResponse(404, "Not Found", null) };
  }
  const project = findProject(ctx);
  if (!project.ok) return project;
  if (projectLevel(ctx.principal, project.value, ctx.state) < 3) return { ok: false, response: unauthorised() };
  return { ok: true, value: { type: "project", projectId: project.value.id } };
}

function sameScope(a: WebhookScopeRecord, b: WebhookScopeRecord): boolean {
  if (a.type === "project" && b.type === "project") return a.projectId === b.projectId;
  if (a.type === "repository" && b.type === "repository") return a.repositoryId === b.repositoryId;
  return false;
}

function withStatistics(ctx: RouteContext, hook: WebhookRecord) {
  const statistics =
    ctx.query.get("statistics") === "true"
      ? webhookSummaryJson(hook, hook.createdDate, ctx.state.clock.now())
      : undefined;
  return webhookJson(hook, ctx.settings.webhookSecretsReadable, statistics);
}

function findHook(ctx: RouteContext): Lookup<WebhookRecord> {
  const scope = scopeOf(ctx);
  if (!scope.ok) return scope;
  const id = Number(param(ctx, "webhookId"));
  const hook = ctx.state.webhooks.get(id);
  if (hook === undefined || !sameScope(hook.scope, scope.value)) {
    return {
      ok: false,
      response: errorResponse(404, `No webhook with id ${param(ctx, "webhookId")} exists.`, EXCEPTIONS.noSuchWebhook),
    };
  }
  return { ok: true, value: hook };
}

function list(ctx: RouteContext) {
  const scope = scopeOf(ctx);
  if (!scope.ok) return scope.response;
  const event = ctx.query.get("event");
  const hooks = [...ctx.state.webhooks.values()]
    .filter((hook) => sameScope(hook.scope, scope.value))
    .filter((hook) => event === null || hook.events.includes(event));
  return page(ctx, "webhooks", hooks, (hook) => withStatistics(ctx, hook));
}

function search(ctx: RouteContext) {
  const repo = findRepository(ctx, 3);
  if (!repo.ok) return repo.response;
  const scopeTypes = ctx.query.getAll("scopeType");
  const wanted = scopeTypes.length === 0 ? ["repository", "project"] : scopeTypes;
  const event = ctx.query.get("event");
  const hooks = [...ctx.state.webhooks.values()].filter(
    (hook) =>
      wanted.includes(hook.scope.type) &&
      (event === null || hook.events.includes(event)) &&
      (hook.scope.type === "repository"
        ? hook.scope.repositoryId === repo.value.id
        : hook.scope.projectId === repo.value.projectId),
  );
  return page(ctx, "webhooks", hooks, (hook) => withStatistics(ctx, hook));
}

type HookFields = Pick<
  WebhookRecord,
  "name" | "url" | "events" | "active" | "configuration" | "sslVerificationRequired" | "credentials"
>;

/** @returns the validated fields, or Bitbucket's 400 naming the first bad field */
function validate(
  ctx: RouteContext,
  existing?: WebhookRecord,
): { ok: true; value: HookFields } | { ok: false; response: FakeResponse } {
  const body = isRecord(ctx.body) ? ctx.body : {};
  const bad = (field: string, message: string) => ({
    ok: false as const,
    response: errorResponse(400, message, EXCEPTIONS.validation, field),
  });
  const name = body.name ?? existing?.name;
  if (typeof name !== "string" || name.trim() === "") return bad("name", "A name is required.");
  const url = body.url ?? existing?.url;
  if (typeof url !== "string" || !/^https?:\/\/[^\s]+$/i.test(url))
    return bad("url", "The URL must be a valid http or https URL.");
  const events = body.events ?? existing?.events;
  if (!Array.isArray(events) || events.length === 0) return bad("events", "At least one event is required.");
  for (const event of events) {
    const since = typeof event === "string" ? WEBHOOK_EVENT_KEYS[event] : undefined;
    if (since === undefined || !versionAtLeast(ctx.settings.version, since))
      return bad("events", `the event ${String(event)} is unknown`);
  }
  const configuration = body.configuration ?? existing?.configuration ?? {};
  if (!isStringMap(configuration)) return bad("configuration", "The configuration must map names to strings.");
  const credentials = body.credentials ?? existing?.credentials;
  return {
    ok: true,
    value: {
      name,
      url,
      events: events.map(String),
      active: typeof body.active === "boolean" ? body.active : (existing?.active ?? true),
      configuration: { ...configuration },
      sslVerificationRequired:
        typeof body.sslVerificationRequired === "boolean"
          ? body.sslVerificationRequired
          : (existing?.sslVerificationRequired ?? true),
      ...(isCredentials(credentials) ? { credentials } : {}),
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((field) => typeof field === "string");
}

function isCredentials(value: unknown): value is { username: string; password: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    "username" in value &&
    "password" in value &&
    typeof value.username === "string" &&
    typeof value.password === "string"
  );
}

function create(ctx: RouteContext) {
  const scope = scopeOf(ctx);
  if (!scope.ok) return scope.response;
  const fields = validate(ctx);
  if (!fields.ok) return fields.response;
  const now = ctx.state.clock.now();
  const hook: WebhookRecord = {
    id: ctx.state.nextId("webhook"),
    scope: scope.value,
    ...fields.value,
    createdDate: now,
    updatedDate: now,
    invocations: [],
    consecutiveFailures: 0,
    skippedUntil: 0,
    skipped: 0,
  };
  ctx.state.webhooks.set(hook.id, hook);
  return ok(withStatistics(ctx, hook), 201);
}

function read(ctx: RouteContext) {
  const hook = findHook(ctx);
  return hook.ok ? ok(withStatistics(ctx, hook.value)) : hook.response;
}

function update(ctx: RouteContext) {
  const hook = findHook(ctx);
  if (!hook.ok) return hook.response;
  const fields = validate(ctx, hook.value);
  if (!fields.ok) return fields.response;
  Object.assign(hook.value, fields.value, { updatedDate: ctx.state.clock.now() });
  return ok(withStatistics(ctx, hook.value));
}

function remove(ctx: RouteContext) {
  const hook = findHook(ctx);
  if (!hook.ok) return hook.response;
  ctx.state.webhooks.delete(hook.value.id);
  return noContent();
}

function summary(ctx: RouteContext) {
  const hook = findHook(ctx);
  return hook.ok ? ok(webhookSummaryJson(hook.value, hook.value.createdDate, ctx.state.clock.now())) : hook.response;
}

function invocations(ctx: RouteContext) {
  const hook = findHook(ctx);
  return hook.ok ? page(ctx, "webhooks", [...hook.value.invocations].reverse()) : hook.response;
}

function latest(ctx: RouteContext) {
  const hook = findHook(ctx);
  if (!hook.ok) return hook.response;
  const outcome = ctx.query.get("outcome");
  const last = [...hook.value.invocations]
    .reverse()
    .find((entry) => outcome === null || entry.result.outcome === outcome);
  return last === undefined ? noContent() : ok(last);
}

async function test(ctx: RouteContext) {
  const scope = scopeOf(ctx);
  if (!scope.ok) return scope.response;
  const url = ctx.query.get("url");
  if (url === null || !/^https?:\/\//i.test(url))
    return errorResponse(400, "A valid url is required.", EXCEPTIONS.validation, "url");
  const hook = ctx.state.webhooks.get(Number(ctx.query.get("webhookId")));
  const result = await ctx.dispatcher.ping(url, hook?.credentials);
  const response = "error" in result ? { statusCode: 0, body: result.error } : result;
  return ok({ request: { url, method: "POST" }, response });
}

function routesFor(base: string, withSearch: boolean): Route[] {
  return [
    ...(withSearch ? [{ method: "GET", pattern: `${base}/webhooks/search`, handler: search }] : []),
    { method: "GET", pattern: `${base}/webhooks`, handler: list },
    { method: "POST", pattern: `${base}/webhooks`, handler: create },
    { method: "POST", pattern: `${base}/webhooks/test`, handler: test },
    { method: "GET", pattern: `${base}/webhooks/:webhookId`, handler: read },
    { method: "PUT", pattern: `${base}/webhooks/:webhookId`, handler: update },
    { method: "DELETE", pattern: `${base}/webhooks/:webhookId`, handler: remove },
    { method: "GET", pattern: `${base}/webhooks/:webhookId/statistics/summary`, handler: summary },
    { method: "GET", pattern: `${base}/webhooks/:webhookId/statistics`, handler: invocations },
    { method: "GET", pattern: `${base}/webhooks/:webhookId/latest`, handler: latest },
  ];
}

export const webhookRoutes: Route[] = [
  ...routesFor("projects/:projectKey/repos/:repositorySlug", true),
  ...routesFor("projects/:projectKey", false),
];
