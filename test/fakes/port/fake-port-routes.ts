import { z } from "zod";
import type { StoredEntity } from "../../../relay/catalog/catalog";
import { entityFields } from "../../../relay/catalog/entity-fields";
import { Blueprint } from "../../../relay/catalog/port-rules/blueprint";
import { EntityBody } from "../../../relay/catalog/port-rules/entity-body";
import { ROUTE_SCHEMA_MESSAGE } from "../../../relay/catalog/port-rules/port-error";
import { compileSearchQuery } from "../../../relay/catalog/port-rules/search-match";
import { SearchQuery } from "../../../relay/catalog/search-query";
import type { FakePortStore } from "./fake-port-store";

/** One request as the routes see it: authenticated already, body parsed. */
export interface RouteRequest {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  /** The User-Agent, recorded as `$datasource` by writes. */
  userAgent: string | null;
  now: string;
}

export interface RouteResponse {
  status: number;
  body: unknown;
}

function fail(status: number, error: string, message: string): RouteResponse {
  return { status, body: { ok: false, error, message } };
}

const flag = (query: URLSearchParams, name: string) => query.get(name) === "true";

const BulkBody = z.object({ entities: z.array(z.unknown()).min(1).max(20) });
const BulkDeleteBody = z.object({ entities: z.array(z.string()).min(1).max(100) });
const DatasourceBody = z.object({
  datasource_prefix: z.string(),
  datasource_suffix: z.string(),
  limit: z.number().int().min(1).max(10_000).default(5000),
  from: z.string().optional(),
  before: z.string().optional(),
});

/**
 * Port's entity, blueprint and search routes (port-api.md §2–§3, §9's checklist), over the store.
 * @returns the answer, or null when no route matches (the server answers 404)
 */
export function routeRequest(store: FakePortStore, request: RouteRequest): RouteResponse | null {
  const { method, segments: s } = request;
  if (method === "POST" && s.length === 1 && s[0] === "blueprints") return createBlueprint(store, request.body);
  if (s[0] === "blueprints" && s.length === 2 && s[1] !== undefined) {
    if (method === "GET") return getBlueprint(store, s[1]);
    if (method === "PATCH") return patchBlueprint(store, s[1], request.body);
  }
  if (method === "POST" && s.join("/") === "blueprints/entities/datasource-entities")
    return datasourceEntities(store, request.body);
  if (method === "POST" && s.join("/") === "entities/search") return search(store, request);
  if (s[0] !== "blueprints" || s[1] === undefined) return null;
  const blueprint = s[1];
  if (method === "POST" && s.length === 3 && s[2] === "entities") return upsertOne(store, blueprint, request);
  if (method === "POST" && s.length === 4 && s[2] === "entities" && s[3] === "bulk")
    return upsertBulk(store, blueprint, request);
  if (method === "GET" && s.length === 4 && s[2] === "entities" && s[3] !== undefined) {
    const entity = store.get(blueprint, s[3]);
    return entity === null
      ? fail(404, "not_found", `Entity "${s[3]}" of blueprint "${blueprint}" was not found`)
      : { status: 200, body: { ok: true, entity: wireOf(entity) } };
  }
  if (method === "DELETE" && s.length === 4 && s[2] === "entities" && s[3] !== undefined) {
    if (!store.exists(blueprint, s[3]))
      return fail(404, "not_found", `Entity "${s[3]}" of blueprint "${blueprint}" was not found`);
    const outcome = store.delete(
      [{ blueprint, identifier: s[3] }],
      flag(request.query, "delete_dependents"),
      request.now,
    );
    return "error" in outcome
      ? fail(outcome.error.status, outcome.error.code, outcome.error.message)
      : { status: 200, body: { ok: true } };
  }
  if (method === "POST" && s.join("/") === `blueprints/${blueprint}/bulk/entities/delete`) {
    const body = BulkDeleteBody.safeParse(request.body);
    if (!body.success)
      return fail(422, "invalid_request", `${ROUTE_SCHEMA_MESSAGE}: ${body.error.issues[0]?.message ?? ""}`);
    const keys = body.data.entities
      .filter((identifier) => store.exists(blueprint, identifier))
      .map((identifier) => ({ blueprint, identifier }));
    const outcome = store.delete(keys, flag(request.query, "delete_dependents"), request.now);
    if ("error" in outcome) return fail(outcome.error.status, outcome.error.code, outcome.error.message);
    return { status: 200, body: { ok: true, deletedEntities: outcome.deleted.map((key) => key.identifier) } };
  }
  if (method === "DELETE" && s.length === 3 && s[2] === "all-entities") {
    const keys = store.entities().filter((entity) => entity.blueprint === blueprint);
    const outcome = store.delete(keys, true, request.now);
    return "error" in outcome
      ? fail(outcome.error.status, outcome.error.code, outcome.error.message)
      : { status: 200, body: { ok: true } };
  }
  return null;
}

function createBlueprint(store: FakePortStore, body: unknown): RouteResponse {
  const parsed = Blueprint.safeParse(body);
  if (!parsed.success)
    return fail(
      422,
      "invalid_request",
      `${ROUTE_SCHEMA_MESSAGE}: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
    );
  if (store.blueprint(parsed.data.identifier) !== undefined)
    return fail(409, "conflict", `Blueprint "${parsed.data.identifier}" already exists`);
  const missing = Object.values(parsed.data.relations).find(
    (relation) => store.blueprint(relation.target) === undefined && relation.target !== parsed.data.identifier,
  );
  if (missing !== undefined)
    return fail(404, "not_found", `Relation target blueprint "${missing.target}" was not found`);
  store.putBlueprint(parsed.data);
  return { status: 201, body: { ok: true, blueprint: parsed.data } };
}

function getBlueprint(store: FakePortStore, identifier: string): RouteResponse {
  const blueprint = store.blueprint(identifier);
  return blueprint === undefined
    ? fail(404, "not_found", `Blueprint "${identifier}" was not found`)
    : { status: 200, body: { ok: true, blueprint } };
}

function patchBlueprint(store: FakePortStore, identifier: string, body: unknown): RouteResponse {
  const existing = store.blueprint(identifier);
  if (existing === undefined) return fail(404, "not_found", `Blueprint "${identifier}" was not found`);
  const patch = typeof body === "object" && body !== null ? body : {};
  const relations =
    "relations" in patch && typeof patch.relations === "object" && patch.relations !== null ? patch.relations : {};
  const parsed = Blueprint.safeParse({ ...existing, ...patch, relations: { ...existing.relations, ...relations } });
  if (!parsed.success)
    return fail(422, "invalid_request", `${ROUTE_SCHEMA_MESSAGE}: ${parsed.error.issues[0]?.message ?? ""}`);
  const missing = Object.values(parsed.data.relations).find(
    (relation) => store.blueprint(relation.target) === undefined,
  );
  if (missing !== undefined)
    return fail(404, "not_found", `Relation target blueprint "${missing.target}" was not found`);
  store.putBlueprint(parsed.data);
  return { status: 200, body: { ok: true, blueprint: parsed.data } };
}

function upsertOne(store: FakePortStore, blueprint: string, request: RouteRequest): RouteResponse {
  const upsert = flag(request.query, "upsert");
  const body = EntityBody.safeParse(request.body);
  if (!body.success)
    return fail(
      422,
      "invalid_request",
      `${ROUTE_SCHEMA_MESSAGE}: ${body.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
    );
  if (!upsert && typeof body.data.identifier === "string" && store.exists(blueprint, body.data.identifier)) {
    return fail(409, "conflict", `Entity "${body.data.identifier}" of blueprint "${blueprint}" already exists`);
  }
  const outcome = store.upsert(request.body, blueprint, flagsOf(request.query), {
    datasource: request.userAgent,
    now: request.now,
    validationOnly: flag(request.query, "validation_only"),
  });
  if (outcome.kind === "failed") return fail(outcome.error.status, outcome.error.code, outcome.error.message);
  if (outcome.kind === "unresolved") return fail(404, "not_found", outcome.message);
  return { status: outcome.created ? 201 : 200, body: { ok: true, entity: wireOf(outcome.entity) } };
}

function upsertBulk(store: FakePortStore, blueprint: string, request: RouteRequest): RouteResponse {
  const bulk = BulkBody.safeParse(request.body);
  if (!bulk.success)
    return fail(422, "invalid_request", `${ROUTE_SCHEMA_MESSAGE}: entities: ${bulk.error.issues[0]?.message ?? ""}`);
  // The identifier pattern and relation values are part of the route's schema: one bad entity fails the request.
  for (const [index, entity] of bulk.data.entities.entries()) {
    const checked = EntityBody.safeParse(entity);
    if (!checked.success) {
      return fail(
        422,
        "invalid_request",
        `${ROUTE_SCHEMA_MESSAGE}: entities.${index}.${checked.error.issues[0]?.path.join(".") ?? ""}: ${checked.error.issues[0]?.message ?? ""}`,
      );
    }
  }
  const entities: { identifier: string; index: number; created: boolean; additionalData: Record<string, never> }[] = [];
  const errors: { identifier: string; index: number; statusCode: number; error: string; message: string }[] = [];
  bulk.data.entities.forEach((entity, index) => {
    const outcome = store.upsert(entity, blueprint, flagsOf(request.query), {
      datasource: request.userAgent,
      now: request.now,
      validationOnly: false,
    });
    if (outcome.kind === "written")
      entities.push({ identifier: outcome.entity.identifier, index, created: outcome.created, additionalData: {} });
    else if (outcome.kind === "unresolved")
      errors.push({ identifier: "unknown", index, statusCode: 404, error: "not_found", message: outcome.message });
    else {
      const identifier =
        typeof entity === "object" && entity !== null && "identifier" in entity && typeof entity.identifier === "string"
          ? entity.identifier
          : "unknown";
      errors.push({
        identifier,
        index,
        statusCode: outcome.error.status,
        error: outcome.error.code,
        message: outcome.error.message,
      });
    }
  });
  return { status: errors.length === 0 ? 200 : 207, body: { ok: true, entities, errors } };
}

function datasourceEntities(store: FakePortStore, body: unknown): RouteResponse {
  const parsed = DatasourceBody.safeParse(body);
  if (!parsed.success)
    return fail(422, "invalid_request", `${ROUTE_SCHEMA_MESSAGE}: ${parsed.error.issues[0]?.message ?? ""}`);
  const { datasource_prefix: prefix, datasource_suffix: suffix, limit, from, before } = parsed.data;
  const all = store.byDatasource(prefix, suffix, before ?? null);
  const start = from === undefined ? 0 : Number(Buffer.from(from, "base64url").toString("utf8"));
  if (!Number.isSafeInteger(start) || start < 0)
    return fail(422, "invalid_request", "from: is not a cursor this route returned");
  const page = all.slice(start, start + limit);
  const next = start + limit < all.length ? Buffer.from(String(start + limit)).toString("base64url") : null;
  return {
    status: 200,
    body: {
      ok: true,
      entities: page.map((entity) => ({ identifier: entity.identifier, blueprint: entity.blueprint })),
      next,
    },
  };
}

function search(store: FakePortStore, request: RouteRequest): RouteResponse {
  const query = SearchQuery.safeParse(request.body);
  if (!query.success)
    return fail(422, "invalid_request", `${ROUTE_SCHEMA_MESSAGE}: a search needs {combinator, rules}`);
  const compiled = compileSearchQuery(query.data);
  if (!compiled.ok) return fail(422, "invalid_request", `${ROUTE_SCHEMA_MESSAGE}: ${compiled.problem}`);
  const include = request.query.getAll("include");
  const matches = store.entities().filter((entity) => compiled.test(entity));
  const entities = matches.map((entity) => project(wireOf(entity), include));
  return {
    status: 200,
    body: {
      ok: true,
      matchingBlueprints: [...new Set(matches.map((entity) => entity.blueprint))],
      failedBlueprints: [],
      entities,
    },
  };
}

function flagsOf(query: URLSearchParams) {
  return { merge: flag(query, "merge"), createMissingRelatedEntities: flag(query, "create_missing_related_entities") };
}

function wireOf(entity: StoredEntity): Record<string, unknown> {
  return {
    ...entityFields(entity),
    blueprint: entity.blueprint,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
    $datasource: entity.datasource,
  };
}

/** Port's `include` projection: `identifier`, `properties.x`, `relations.y` paths. */
function project(entity: Record<string, unknown>, include: readonly string[]): Record<string, unknown> {
  if (include.length === 0) return entity;
  const out: Record<string, unknown> = {};
  for (const path of include) {
    const [head, field] = path.split(".", 2);
    if (head === undefined) continue;
    const value = entity[head];
    if (field === undefined) out[head] = value;
    else if (typeof value === "object" && value !== null) {
      const picked = Object.entries(value).find(([name]) => name === field);
      if (picked === undefined) continue;
      const group = (out[head] ??= {});
      if (typeof group === "object" && group !== null) Object.assign(group, { [field]: picked[1] });
    }
  }
  return out;
}
