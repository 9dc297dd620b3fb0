import { mapLimited } from "../../concurrency/map-limited";
import type { AttemptReport } from "../../http/retry";
import type { Logger } from "../../log/logger";
import type {
  BlueprintResult,
  Catalog,
  CatalogCheck,
  CatalogEntity,
  CheckOptions,
  DeleteOptions,
  DeleteResult,
  EntityKey,
  ListOwnedOptions,
  OwnedEntity,
  StoredEntity,
  UpsertOptions,
  UpsertResult,
} from "../catalog";
import { CatalogUnavailableError } from "../catalog-unavailable-error";
import { entityFields } from "../entity-fields";
import { datasourceMatchOf, type IntegrationIdentity, identityProblems, userAgentOf } from "../integration-identity";
import type { Blueprint } from "../port-rules/blueprint";
import { entityBodyProblems } from "../port-rules/entity-body";
import { invalidRequest, PORT_MAX_BODY_BYTES, payloadTooLarge } from "../port-rules/port-error";
import { isSearchQuery } from "../search-query";
import { checkPort, ensurePortBlueprints, readPortBlueprint } from "./port-blueprints";
import { deleteFromPort } from "./port-deletes";
import { entityErrorOf, errorCodeOf } from "./port-entity-error";
import type { PortHttp } from "./port-http";
import { portHttpOf } from "./port-http-of";
import { BulkUpsertResponse, DatasourceEntitiesResponse, EntityResponse, SingleUpsertResponse } from "./port-schema";
import { bulkBody, planUpsertRequests, type SerialisedEntity, type UpsertRequestPlan } from "./upsert-batches";

export interface PortCatalogOptions {
  /** `https://api.getport.io` (EU), `https://api.us.getport.io` (US) or the new `api.port.io` hosts. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  identity: IntegrationIdentity;
  log: Logger;
  fetch?: typeof fetch;
  /** Epoch milliseconds. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For the backoff's jitter, in [0, 1). */
  random?: () => number;
  /** Tries per request (default 10, Ocean's). */
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /** Largest request body (default 1 MiB, Port's limit). */
  maxBodyBytes?: number;
  /** Entities per bulk upsert (default and maximum 20, Port's). */
  bulkSize?: number;
  /** Bulk upserts in flight at once (default 4). */
  concurrency?: number;
  /** Owned entities per listing page (default 5000, Ocean's). */
  listPageSize?: number;
  tokenRefreshMarginMs?: number;
  /** Told of every attempt (metrics: retries). */
  onAttempt?: (report: AttemptReport) => void;
}

const MAX_BULK = 20;

/**
 * The catalog in Port, over its REST API (port-api.md): see `catalog.ts` for the contract. Upserts go by the bulk
 * route (≤20 entities and ≤1 MiB a request; several in flight for consecutive entities of one blueprint, runs of
 * different blueprints in input order), per-entity 207 errors become per-entity results, and
 * a bulk body Port refuses as a whole (413, 422) is retried entity by entity so that one bad entity fails alone. The
 * route schema (identifiers, relation values) is checked before sending, as Port would check it.
 */
export class PortCatalog implements Catalog {
  readonly kind = "port";
  readonly location: string;
  readonly #http: PortHttp;
  readonly #identity: IntegrationIdentity;
  readonly #log: Logger;
  readonly #maxBodyBytes: number;
  readonly #bulkSize: number;
  readonly #concurrency: number;
  readonly #listPageSize: number;

  constructor(options: PortCatalogOptions) {
    const problems = identityProblems(options.identity);
    if (problems.length > 0) throw new Error(`invalid integration identity: ${problems.join("; ")}`);
    this.location = options.baseUrl.replace(/\/+$/, "");
    this.#identity = options.identity;
    this.#log = options.log;
    this.#maxBodyBytes = options.maxBodyBytes ?? PORT_MAX_BODY_BYTES;
    this.#bulkSize = Math.min(MAX_BULK, Math.max(1, options.bulkSize ?? MAX_BULK));
    this.#concurrency = options.concurrency ?? 4;
    this.#listPageSize = options.listPageSize ?? 5000;
    if (options.clientId.includes("@")) {
      // Ocean warns the same: personal credentials act as a person and break when that person leaves.
      options.log.warn({}, "PORT_CLIENT_ID looks like a personal e-mail; use the organization's machine credentials");
    }
    this.#http = portHttpOf(
      { baseUrl: this.location, clientId: options.clientId, clientSecret: options.clientSecret },
      { ...options, userAgent: userAgentOf(options.identity) },
    );
  }

  async upsert(entities: readonly CatalogEntity[], options: UpsertOptions): Promise<UpsertResult[]> {
    const results: (UpsertResult | undefined)[] = new Array<UpsertResult | undefined>(entities.length);
    // Consecutive entities of one blueprint form a run; runs are written one after the other, so an entity is never
    // written before an earlier one of another blueprint it may relate to (a project before its repositories).
    const runs: { blueprint: string; entities: SerialisedEntity[] }[] = [];
    entities.forEach((entity, index) => {
      const wire = entityFields(entity);
      const problems = entityBodyProblems(wire);
      if (problems.length > 0) {
        results[index] = {
          result: "failed",
          blueprint: entity.blueprint,
          identifier: entity.identifier,
          error: invalidRequest(problems),
        };
        return;
      }
      const json = JSON.stringify(wire);
      let run = runs.at(-1);
      if (run === undefined || run.blueprint !== entity.blueprint) {
        run = { blueprint: entity.blueprint, entities: [] };
        runs.push(run);
      }
      run.entities.push({ index, json, bytes: Buffer.byteLength(json) });
    });
    const query = {
      upsert: true,
      merge: options.merge,
      create_missing_related_entities: options.createMissingRelatedEntities,
    };
    for (const run of runs) {
      // Within a run, bulk requests go out several at a time (Port orders the entities of one request only).
      const plans = planUpsertRequests(run.entities, this.#bulkSize, this.#maxBodyBytes);
      const sent = await mapLimited(plans, this.#concurrency, (plan) =>
        this.#send(run.blueprint, plan, query, entities, options.signal),
      );
      for (const [index, result] of sent.flat()) results[index] = result;
    }
    return results.map(
      (result, index): UpsertResult =>
        result ?? {
          result: "failed",
          blueprint: entities[index]?.blueprint ?? "",
          identifier: entities[index]?.identifier ?? "",
          error: { status: 502, code: "bad_request", message: "Port's bulk response did not mention this entity" },
        },
    );
  }

  async delete(keys: readonly EntityKey[], options: DeleteOptions): Promise<DeleteResult[]> {
    return deleteFromPort(this.#http, keys, options);
  }

  async *listOwned(options: ListOwnedOptions = {}): AsyncGenerator<OwnedEntity[]> {
    const match = datasourceMatchOf(this.#identity);
    const blueprints = options.blueprints === undefined ? null : new Set(options.blueprints);
    let from: string | undefined;
    for (;;) {
      const response = await this.#http.request("POST", "/blueprints/entities/datasource-entities", {
        body: JSON.stringify({
          datasource_prefix: match.prefix,
          datasource_suffix: match.suffix,
          limit: this.#listPageSize,
          ...(from === undefined ? {} : { from }),
          ...(options.updatedBefore === undefined ? {} : { before: options.updatedBefore.toISOString() }),
        }),
        signal: options.signal,
      });
      const parsed = response.status === 200 ? DatasourceEntitiesResponse.safeParse(response.body) : null;
      if (parsed === null || !parsed.success) {
        // A reconcile must never act on a partial listing: fail the whole listing instead.
        throw new CatalogUnavailableError(
          "unexpected_response",
          `listing this integration's entities failed: Port answered HTTP ${response.status} to POST /v1/blueprints/entities/datasource-entities` +
            (parsed === null ? ` (${entityErrorOf(response).message})` : " with a body that is not a page of entities"),
        );
      }
      const page = parsed.data.entities
        .filter((entity) => blueprints === null || blueprints.has(entity.blueprint))
        .map((entity) => ({ blueprint: entity.blueprint, identifier: entity.identifier, updatedAt: null }));
      if (page.length > 0) yield page;
      const next = parsed.data.next ?? undefined;
      if (next === undefined || next === "") return;
      if (next === from)
        throw new CatalogUnavailableError("unexpected_response", "Port returned the same listing cursor twice");
      from = next;
    }
  }

  async get(
    blueprint: string,
    identifier: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<StoredEntity | null> {
    const response = await this.#http.request(
      "GET",
      `/blueprints/${encodeURIComponent(blueprint)}/entities/${encodeURIComponent(identifier)}`,
      {
        signal: options.signal,
      },
    );
    if (response.status === 404) return null;
    const parsed = response.status === 200 ? EntityResponse.safeParse(response.body) : null;
    if (parsed === null || !parsed.success) {
      throw new CatalogUnavailableError(
        "unexpected_response",
        `reading ${blueprint}/${identifier} from Port failed with HTTP ${response.status}`,
      );
    }
    const entity = parsed.data.entity;
    return {
      blueprint: entity.blueprint ?? blueprint,
      identifier: entity.identifier,
      title: entity.title ?? null,
      team:
        entity.team === undefined || entity.team === null
          ? []
          : typeof entity.team === "string"
            ? [entity.team]
            : entity.team,
      icon: entity.icon ?? null,
      properties: Object.fromEntries(Object.entries(entity.properties).filter(([, value]) => value !== null)),
      relations: Object.fromEntries(
        Object.entries(entity.relations).filter((pair): pair is [string, string | string[]] => pair[1] !== null),
      ),
      // Port's entity route does not return the datasource; only its search and datasource routes use it.
      datasource: null,
      createdAt: entity.createdAt ?? "",
      updatedAt: entity.updatedAt ?? "",
    };
  }

  async getBlueprint(identifier: string, options: { signal?: AbortSignal } = {}): Promise<Blueprint | null> {
    return readPortBlueprint(this.#http, identifier, options.signal);
  }

  async ensureBlueprints(
    blueprints: readonly Blueprint[],
    options: { signal?: AbortSignal } = {},
  ): Promise<BlueprintResult[]> {
    return ensurePortBlueprints(this.#http, blueprints, options.signal);
  }

  async check(options: CheckOptions): Promise<CatalogCheck[]> {
    return checkPort(this.#http, this.location, options);
  }

  async close(): Promise<void> {
    // Nothing held: fetch's connections close on their own.
  }

  async #send(
    blueprint: string,
    plan: UpsertRequestPlan,
    query: Record<string, boolean>,
    entities: readonly CatalogEntity[],
    signal: AbortSignal | undefined,
  ): Promise<[number, UpsertResult][]> {
    const entityAt = (index: number): CatalogEntity =>
      entities[index] ?? { blueprint, identifier: "", properties: {}, relations: {} };
    if (plan.route === "too-large") {
      const entity = entityAt(plan.entity.index);
      return [
        [
          plan.entity.index,
          {
            result: "failed",
            blueprint,
            identifier: entity.identifier,
            error: payloadTooLarge(plan.entity.bytes, this.#maxBodyBytes),
          },
        ],
      ];
    }
    if (plan.route === "single")
      return [
        [plan.entity.index, await this.#single(blueprint, plan.entity, entityAt(plan.entity.index), query, signal)],
      ];
    const path = `/blueprints/${encodeURIComponent(blueprint)}/entities/bulk`;
    const response = await this.#http.request("POST", path, { query, body: bulkBody(plan.entities), signal });
    if (response.status === 413 || response.status === 422) {
      // Port refused the request as a whole (the body, or one entity against the route's schema): one by one, only
      // the entities at fault fail (Ocean does this for 413).
      this.#log.info(
        { blueprint, status: response.status, entities: plan.entities.length },
        "Port refused a bulk upsert; upserting one by one",
      );
      const out: [number, UpsertResult][] = [];
      for (const item of plan.entities)
        out.push([item.index, await this.#single(blueprint, item, entityAt(item.index), query, signal)]);
      return out;
    }
    if (response.status !== 200 && response.status !== 207) {
      const error = entityErrorOf(response);
      return plan.entities.map((item) => [
        item.index,
        { result: "failed", blueprint, identifier: entityAt(item.index).identifier, error },
      ]);
    }
    const parsed = BulkUpsertResponse.safeParse(response.body);
    if (!parsed.success) {
      throw new CatalogUnavailableError(
        "unexpected_response",
        `Port's answer to a bulk upsert into "${blueprint}" is not a bulk result`,
      );
    }
    const out: [number, UpsertResult][] = [];
    for (const written of parsed.data.entities) {
      const item = plan.entities[written.index];
      if (item === undefined) continue;
      out.push([
        item.index,
        { result: written.created ? "created" : "updated", blueprint, identifier: written.identifier },
      ]);
    }
    for (const failure of parsed.data.errors) {
      const item = plan.entities[failure.index];
      if (item === undefined) continue;
      const entity = entityAt(item.index);
      if (failure.identifier === "unknown" && isSearchQuery(entity.identifier)) {
        // A search identifier that matched nothing: Port created nothing (Ocean drops these silently).
        out.push([
          item.index,
          { result: "unresolved", blueprint, identifier: entity.identifier, message: failure.message || failure.error },
        ]);
        continue;
      }
      out.push([
        item.index,
        {
          result: "failed",
          blueprint,
          identifier: entity.identifier,
          error: {
            status: failure.statusCode,
            code: errorCodeOf(failure.statusCode, failure.error),
            message: failure.message || failure.error,
          },
        },
      ]);
    }
    return out;
  }

  async #single(
    blueprint: string,
    item: SerialisedEntity,
    entity: CatalogEntity,
    query: Record<string, boolean>,
    signal: AbortSignal | undefined,
  ): Promise<UpsertResult> {
    const response = await this.#http.request("POST", `/blueprints/${encodeURIComponent(blueprint)}/entities`, {
      query,
      body: item.json,
      signal,
    });
    if (response.status === 200 || response.status === 201) {
      const parsed = SingleUpsertResponse.safeParse(response.body);
      if (!parsed.success)
        throw new CatalogUnavailableError(
          "unexpected_response",
          `Port's answer to an upsert into "${blueprint}" has no entity`,
        );
      // The single route does not say whether it created: 201 Created is taken to mean created.
      return {
        result: response.status === 201 ? "created" : "updated",
        blueprint,
        identifier: parsed.data.entity.identifier,
      };
    }
    return { result: "failed", blueprint, identifier: entity.identifier, error: entityErrorOf(response) };
  }
}
