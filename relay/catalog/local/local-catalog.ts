import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { messageOf } from "../../log/message-of";
import { parseBlueprints } from "../blueprints-file";
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
import { datasourceMatchOf, type IntegrationIdentity, identityProblems, userAgentOf } from "../integration-identity";
import type { Blueprint } from "../port-rules/blueprint";
import { notFound } from "../port-rules/port-error";
import { type BrowsePage, type BrowseQuery, LocalBrowser } from "./local-browse";
import { openCatalogFile } from "./local-connection";
import { hasLocalSchema, migrateLocalSchema } from "./local-schema";
import { type EntityFilter, LocalStore } from "./local-store";
import { LocalWriterThread } from "./local-writer-thread";
import { deleteEntities, upsertEntities } from "./local-writes";

export type LocalCatalogOptions =
  | {
      /** The SQLite file (created with its directory), or `:memory:`. */
      path: string;
      /** The writer: stored as each written entity's datasource, and what `listOwned` matches. */
      identity: IntegrationIdentity;
      /** Blueprints to load (their definitions replace stored ones of the same identifier): `seed/blueprints.json`'s shape. */
      blueprints?: unknown;
      clock?: () => Date;
      /**
       * The writer thread's script (`bundledLocalWriter()`): `upsert` and `delete` then run there, off the caller's
       * thread (local-writer-thread.ts). Ignored for `:memory:`, which another connection cannot open.
       */
      writerThread?: URL | null;
      readonly?: false;
    }
  | {
      /** Read-only use (export, queries): the file must exist and holds a catalog; nothing is created or written. */
      path: string;
      readonly: true;
    };

const OWNED_PAGE_SIZE = 1000;

/**
 * The embedded catalog: one SQLite file (WAL), with the checks Port makes (`port-rules/`), so that the whole
 * pipeline runs on one machine and a mapping mistake shows up here as it would in Port. Each `upsert`/`delete` call
 * is one transaction of prepared statements: a resync writing 100,000 entities in pages stays fast, and a failure
 * leaves no half-written page.
 */
export class LocalCatalog implements Catalog {
  readonly kind = "local";
  readonly location: string;
  readonly #db: Database.Database;
  readonly #store: LocalStore;
  readonly #browser: LocalBrowser;
  readonly #identity: IntegrationIdentity | null;
  readonly #clock: () => Date;
  /** Where `upsert` and `delete` run when not on this thread. */
  #writer: LocalWriterThread | null = null;

  private constructor(path: string, db: Database.Database, identity: IntegrationIdentity | null, clock: () => Date) {
    this.location = path;
    this.#db = db;
    this.#store = new LocalStore(db);
    this.#browser = new LocalBrowser(db);
    this.#identity = identity;
    this.#clock = clock;
  }

  /**
   * @throws Error when the file cannot be opened or is not a catalog (read-only), or the identity is invalid
   * @throws BlueprintsInvalidError when the given blueprints are invalid
   */
  static open(options: LocalCatalogOptions): LocalCatalog {
    if (options.readonly === true) {
      const db = new Database(options.path, { readonly: true, fileMustExist: true });
      if (!hasLocalSchema(db)) {
        db.close();
        throw new Error(`${options.path} is not a bbrelay local catalog (no catalog tables in it)`);
      }
      return new LocalCatalog(options.path, db, null, () => new Date());
    }
    const problems = identityProblems(options.identity);
    if (problems.length > 0) throw new Error(`invalid integration identity: ${problems.join("; ")}`);
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    const db = openCatalogFile(options.path);
    try {
      migrateLocalSchema(db);
    } catch (error) {
      db.close();
      throw error;
    }
    const catalog = new LocalCatalog(options.path, db, options.identity, options.clock ?? (() => new Date()));
    if (options.blueprints !== undefined) {
      try {
        catalog.loadBlueprints(options.blueprints, "blueprints");
      } catch (error) {
        db.close();
        throw error;
      }
    }
    // Started last: the thread reads the blueprints as they are now from the file.
    if (options.writerThread != null && options.path !== ":memory:") {
      catalog.#writer = new LocalWriterThread(options.writerThread, options.path);
      // The writer's connection holds the hot pages now; this one only reads (a reconcile's listing, the console),
      // for which SQLite's default cache and the OS's file cache do.
      db.pragma("cache_size = -2000");
    }
    return catalog;
  }

  /**
   * Loads blueprints, replacing the stored definitions of the same identifiers (the local catalog follows the
   * configuration; Port's are left alone by `ensureBlueprints`).
   * @throws BlueprintsInvalidError with every problem
   */
  loadBlueprints(value: unknown, source: string): Blueprint[] {
    const blueprints = parseBlueprints(
      value,
      source,
      this.#store.blueprintList().map((blueprint) => blueprint.identifier),
    );
    const now = this.#now();
    this.#transaction(() => {
      for (const blueprint of blueprints) this.#store.putBlueprint(blueprint, now);
    });
    this.#writer?.reloadBlueprints();
    return blueprints;
  }

  async upsert(entities: readonly CatalogEntity[], options: UpsertOptions): Promise<UpsertResult[]> {
    throwIfAborted(options.signal);
    const datasource = this.#datasource();
    const now = this.#now();
    const flags = { merge: options.merge, createMissingRelatedEntities: options.createMissingRelatedEntities };
    if (this.#writer !== null) return this.#writer.upsert(entities, flags, datasource, now);
    return this.#transaction(() => upsertEntities(this.#store, entities, flags, datasource, now));
  }

  async delete(keys: readonly EntityKey[], options: DeleteOptions): Promise<DeleteResult[]> {
    throwIfAborted(options.signal);
    const now = this.#now();
    if (this.#writer !== null) return this.#writer.delete(keys, options.deleteDependents, now);
    return this.#transaction(() => deleteEntities(this.#store, keys, options.deleteDependents, now));
  }

  async *listOwned(options: ListOwnedOptions = {}): AsyncGenerator<OwnedEntity[]> {
    if (this.#identity === null) return;
    const match = datasourceMatchOf(this.#identity);
    const filter = { before: options.updatedBefore?.toISOString() ?? null, blueprints: options.blueprints ?? null };
    throwIfAborted(options.signal);
    for (const page of this.#store.ownedPages(match, filter, OWNED_PAGE_SIZE)) {
      yield page;
      throwIfAborted(options.signal);
    }
  }

  async get(blueprint: string, identifier: string): Promise<StoredEntity | null> {
    return this.#store.get(blueprint, identifier);
  }

  async getBlueprint(identifier: string): Promise<Blueprint | null> {
    return this.#store.blueprint(identifier) ?? null;
  }

  async ensureBlueprints(blueprints: readonly Blueprint[]): Promise<BlueprintResult[]> {
    const now = this.#now();
    const known = new Set([
      ...this.#store.blueprintList().map((blueprint) => blueprint.identifier),
      ...blueprints.map((blueprint) => blueprint.identifier),
    ]);
    const results = this.#transaction(() =>
      blueprints.map((blueprint): BlueprintResult => {
        if (this.#store.blueprint(blueprint.identifier) !== undefined)
          return { result: "exists", identifier: blueprint.identifier };
        const missing = Object.values(blueprint.relations).find((relation) => !known.has(relation.target));
        if (missing !== undefined) {
          return {
            result: "failed",
            identifier: blueprint.identifier,
            error: notFound(`Relation target blueprint "${missing.target}" was not found`),
          };
        }
        this.#store.putBlueprint(blueprint, now);
        return { result: "created", identifier: blueprint.identifier };
      }),
    );
    if (results.some((result) => result.result === "created")) this.#writer?.reloadBlueprints();
    return results;
  }

  async check(options: CheckOptions): Promise<CatalogCheck[]> {
    const checks: CatalogCheck[] = [];
    try {
      const entities = this.#store.count();
      checks.push({
        check: "reachable",
        ok: true,
        message: `local catalog ${this.location} opens (${entities} entities)`,
      });
    } catch (error) {
      checks.push({
        check: "reachable",
        ok: false,
        message: `local catalog ${this.location} cannot be read: ${messageOf(error)}`,
        fix: "check the file's permissions, or point CATALOG_PATH at another file",
      });
      return checks;
    }
    const missing = options.blueprints.filter((identifier) => this.#store.blueprint(identifier) === undefined);
    checks.push(
      missing.length === 0
        ? { check: "blueprints", ok: true, message: `all ${options.blueprints.length} mapped blueprints are known` }
        : {
            check: "blueprints",
            ok: false,
            message: `blueprints not loaded in the local catalog: ${missing.join(", ")}`,
            fix: "give the blueprints file that defines them (same shape as Port's blueprints.json), or map to the default blueprints",
          },
    );
    try {
      // A real write rolled back: proves the file is writable (a read-only file fails only on a write) without
      // changing it.
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        this.#db
          .prepare("INSERT OR REPLACE INTO catalog_meta (key, value) VALUES ('doctor_probe', ?)")
          .run(this.#now());
      } finally {
        this.#db.exec("ROLLBACK");
      }
      checks.push({ check: "writable", ok: true, message: `local catalog ${this.location} is writable` });
    } catch (error) {
      checks.push({
        check: "writable",
        ok: false,
        message: `local catalog ${this.location} is not writable: ${messageOf(error)}`,
        fix: "make the file and its directory writable by this user, or stop the process holding it",
      });
    }
    return checks;
  }

  async close(): Promise<void> {
    await this.#writer?.close();
    if (this.#db.open) this.#db.close();
  }

  /** Entities in key order, page by page (memory stays bounded): by blueprint, identifier, or relation to an entity. */
  pages(filter: EntityFilter = {}, pageSize?: number): Generator<StoredEntity[]> {
    return this.#store.pages(filter, pageSize);
  }

  /** @returns every entity matching the filter (for tests and small queries; use `pages` for large ones) */
  query(filter: EntityFilter = {}): StoredEntity[] {
    return [...this.#store.pages(filter)].flat();
  }

  count(blueprint?: string): number {
    return this.#store.count(blueprint);
  }

  blueprints(): Blueprint[] {
    return this.#store.blueprintList();
  }

  /** Entities per blueprint (the console's catalog page). */
  blueprintCounts(): Map<string, number> {
    return this.#browser.blueprintCounts();
  }

  /** One page of entities for a person browsing: by blueprint, text, property, after a key (the console). */
  browse(query: BrowseQuery): BrowsePage {
    return this.#browser.browse(query);
  }

  /** One entity, synchronously (the console renders without awaiting the catalog). */
  lookup(blueprint: string, identifier: string): StoredEntity | null {
    return this.#store.get(blueprint, identifier);
  }

  /** The entities whose relations point at `target`, with the relation's name. */
  referrers(target: EntityKey): { blueprint: string; identifier: string; relation: string }[] {
    return this.#store.referrers(target);
  }

  #datasource(): string {
    if (this.#identity === null) throw new Error("this local catalog was opened read-only");
    return userAgentOf(this.#identity);
  }

  #now(): string {
    return this.#clock().toISOString();
  }

  #transaction<T>(work: () => T): T {
    try {
      return this.#db.transaction(work)();
    } catch (error) {
      if (error instanceof Database.SqliteError) {
        throw new CatalogUnavailableError("storage", `local catalog ${this.location}: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new CatalogUnavailableError("aborted", "the catalog write was aborted");
}
