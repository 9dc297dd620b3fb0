/**
 * The catalog the agent writes: one interface, two implementations — Port's API (`port/port-catalog.ts`) and the
 * embedded local catalog (`local/local-catalog.ts`, one SQLite file, the default without Port credentials). The
 * local catalog makes the checks Port makes (`port-rules/`), so a mapping mistake fails locally as it would in Port.
 *
 * Contract, for every implementation:
 * - `upsert` writes entities of any blueprints (grouped and batched inside) with Port's `upsert=true` semantics,
 *   `merge` = the mapping's `enableMergeEntity`, `createMissingRelatedEntities` = the mapping's flag. It returns one
 *   result per input entity, **in input order**, and never throws for a per-entity failure (a failed check, a missing
 *   relation target, an entity too large to send): those are `{ result: "failed", error }` with Port's status, code
 *   and message. A search-query identifier that matches no entity is `unresolved` (Port creates nothing; Ocean drops
 *   it silently and so may the caller). Entities are written in input order from one blueprint to the next (list
 *   projects before their repositories when targets are not created); consecutive entities of one blueprint may be
 *   written concurrently.
 * - `delete` removes entities one result each, in input order; an entity already absent is `not_found` (not an
 *   error: deletes are idempotent). With `deleteDependents`, entities holding a **required** relation to a deleted
 *   entity are deleted with it (Port's `delete_dependents`); without it, such a delete fails with `has_dependents` and
 *   nothing of that entity is deleted. Non-required relations pointing at a deleted entity are cleared, as in Port.
 *   Entities are deleted in input order: a caller that deletes a dependent and its target without
 *   `deleteDependents` lists the dependent first.
 * - `listOwned` pages through the entities this integration owns (last written by this integration's identity, see
 *   `integration-identity.ts`), optionally only in some blueprints and only those last updated before a time: what a
 *   reconcile compares against. Pages are bounded, so memory does not grow with the catalog.
 * - Failures of the catalog as a whole (credentials rejected, unreachable or failing after the retries, aborted)
 *   throw {@link CatalogUnavailableError}: a resync must treat them as a failed run (no deletion).
 */

import type { Json, JsonObject } from "../mapping/engine";
import type { Blueprint } from "./port-rules/blueprint";
import type { SearchQuery } from "./search-query";

/**
 * An entity, from the mapper to the catalogs: one type all the way. Its values are JSON as the mapping's jq made them;
 * each catalog checks them once, where they enter it, against Port's route schema (`parseEntityBody`: identifier
 * pattern, title, team, relation values), and refuses what fails as a per-entity result. A field left `undefined` is
 * not sent (Port's "exclude unset"); explicit `null`s in properties and relations are sent, as Ocean does.
 */
export interface CatalogEntity {
  blueprint: string;
  /** A string, or a search query object that Port resolves to one entity. */
  identifier: string | JsonObject;
  title?: Json;
  team?: Json;
  icon?: Json;
  properties: JsonObject;
  relations: JsonObject;
}

/** An entity as stored, with what the catalog adds. Identifiers are resolved (never search queries). */
export interface StoredEntity {
  blueprint: string;
  identifier: string;
  title: string | null;
  team: string[];
  icon: string | null;
  /** Unset properties and relations are absent (Port drops nulls). */
  properties: Record<string, unknown>;
  relations: Record<string, string | string[]>;
  /** Who last wrote it: the writer's User-Agent, as Port records `$datasource`. Null when unknown. */
  datasource: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A `(blueprint, identifier)` pair: the entity key everywhere (Port's and Ocean's). */
export interface EntityKey {
  blueprint: string;
  identifier: string;
}

/** An entity key as one string, for sets and maps (NUL cannot occur in either part). */
export function keyText(key: EntityKey): string {
  return `${key.blueprint}\u0000${key.identifier}`;
}

/** Port's error, or the same error made locally: HTTP status, Port's `error` code and its message. */
export interface CatalogEntityError {
  status: number;
  code: CatalogErrorCode;
  message: string;
}

/**
 * Error codes. `not_found` is Port's own (404, also for a missing relation target); the others name Port's
 * statuses where the reference gives no code: `invalid_request` (422, the route or blueprint schema),
 * `conflict` (409), `has_dependents` (a delete refused because of required relations), `payload_too_large` (413),
 * `bad_request` (another 4xx).
 */
export type CatalogErrorCode =
  | "not_found"
  | "invalid_request"
  | "conflict"
  | "has_dependents"
  | "payload_too_large"
  | "bad_request";

export type UpsertResult =
  | { result: "created" | "updated"; blueprint: string; identifier: string }
  | { result: "unresolved"; blueprint: string; identifier: SearchQuery; message: string }
  | { result: "failed"; blueprint: string; identifier: CatalogEntity["identifier"]; error: CatalogEntityError };

export type DeleteResult =
  | { result: "deleted"; blueprint: string; identifier: string }
  | { result: "not_found"; blueprint: string; identifier: string }
  | { result: "failed"; blueprint: string; identifier: string; error: CatalogEntityError };

export interface UpsertOptions {
  /** Port's `merge`: update only the supplied fields (properties and relations key by key). */
  merge: boolean;
  /** Port's `create_missing_related_entities`: create empty relation targets instead of failing with 404. */
  createMissingRelatedEntities: boolean;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  /** Port's `delete_dependents`: also delete the entities that hold a required relation to a deleted one. */
  deleteDependents: boolean;
  signal?: AbortSignal;
}

export interface ListOwnedOptions {
  /** Only these blueprints (default: every blueprint, as Ocean's reconcile does). */
  blueprints?: readonly string[];
  /** Only entities last updated strictly before this time (a resync's start: live writes made since are kept). */
  updatedBefore?: Date;
  signal?: AbortSignal;
}

/** An owned entity as listed for a reconcile. `updatedAt` is null where the catalog does not report it (Port). */
export interface OwnedEntity extends EntityKey {
  updatedAt: string | null;
}

export type BlueprintResult =
  | { result: "exists" | "created"; identifier: string }
  | { result: "failed"; identifier: string; error: CatalogEntityError };

/** One line of `bbrelay doctor`: what was checked, whether it passed, and how to fix it when not. */
export interface CatalogCheck {
  check: "reachable" | "credentials" | "blueprints" | "writable";
  ok: boolean;
  message: string;
  fix?: string;
}

export interface CheckOptions {
  /** The blueprints the mapping writes: each must exist in the catalog. */
  blueprints: readonly string[];
  signal?: AbortSignal;
}

export interface Catalog {
  /** `port` or `local`: for logs and `doctor`. */
  readonly kind: "port" | "local";
  /** Where it is: Port's base URL or the SQLite file path (never a credential). */
  readonly location: string;
  upsert(entities: readonly CatalogEntity[], options: UpsertOptions): Promise<UpsertResult[]>;
  delete(keys: readonly EntityKey[], options: DeleteOptions): Promise<DeleteResult[]>;
  listOwned(options?: ListOwnedOptions): AsyncIterable<OwnedEntity[]>;
  /** @returns the entity, or null when there is none */
  get(blueprint: string, identifier: string, options?: { signal?: AbortSignal }): Promise<StoredEntity | null>;
  /**
   * The blueprint as the catalog has it (Port's `GET /v1/blueprints/{id}`, or the local catalog's), or null when
   * it has none: what a mapping is checked against before writing.
   * @throws CatalogUnavailableError when the catalog cannot say
   */
  getBlueprint(identifier: string, options?: { signal?: AbortSignal }): Promise<Blueprint | null>;
  /** Creates the blueprints that are missing (the local catalog loads them); existing ones are left as they are. */
  ensureBlueprints(blueprints: readonly Blueprint[], options?: { signal?: AbortSignal }): Promise<BlueprintResult[]>;
  /** Reachable, credentials valid, blueprints present, writable: one result per check, never throws. */
  check(options: CheckOptions): Promise<CatalogCheck[]>;
  close(): Promise<void>;
}
