import type Database from "better-sqlite3";
import type { EntityKey, OwnedEntity, StoredEntity } from "../catalog";
import type { DatasourceMatch } from "../integration-identity";
import { Blueprint } from "../port-rules/blueprint";
import type { EntityStoreView } from "../port-rules/entity-store-view";
import type { RelationToClear } from "../port-rules/plan-delete";
import type { EntityContent } from "../port-rules/validate-entity";

export interface EntityRow {
  blueprint: string;
  identifier: string;
  title: string | null;
  team: string;
  icon: string | null;
  properties: string;
  relations: string;
  datasource: string | null;
  created_at: string;
  updated_at: string;
}

/** A page of keyset pagination: rows after `(blueprint, identifier)`, in key order. */
/**
 * Keyset pagination over (blueprint, identifier): each page starts after the last key of the one before, so pages
 * stay cheap however deep the listing goes. A short page is the last.
 */
function* keysetPages<R extends PageCursor, T>(
  pageSize: number,
  map: (row: R) => T,
  fetch: (after: PageCursor) => R[],
): Generator<T[]> {
  let after: PageCursor = { blueprint: "", identifier: "" };
  for (;;) {
    const rows = fetch(after);
    const last = rows.at(-1);
    if (last === undefined) return;
    yield rows.map(map);
    if (rows.length < pageSize) return;
    after = { blueprint: last.blueprint, identifier: last.identifier };
  }
}

export interface PageCursor {
  blueprint: string;
  identifier: string;
}

/**
 * The local catalog's SQL, as prepared statements over one connection, and the {@link EntityStoreView} that Port's
 * rules (`port-rules/`) read through. Not thread-safe and not transactional by itself: the catalog wraps calls in
 * transactions.
 */
export class LocalStore implements EntityStoreView {
  readonly #blueprints = new Map<string, Blueprint>();
  readonly #sql;

  constructor(db: Database.Database) {
    this.#sql = {
      get: db.prepare<[string, string], EntityRow>("SELECT * FROM entities WHERE blueprint = ? AND identifier = ?"),
      exists: db.prepare<[string, string], { one: number }>(
        "SELECT 1 AS one FROM entities WHERE blueprint = ? AND identifier = ?",
      ),
      put: db.prepare<
        [string, string, string | null, string, string | null, string, string, string | null, string, string]
      >(
        `INSERT INTO entities (blueprint, identifier, title, team, icon, properties, relations, datasource, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (blueprint, identifier) DO UPDATE SET title = excluded.title, team = excluded.team, icon = excluded.icon,
           properties = excluded.properties, relations = excluded.relations, datasource = excluded.datasource,
           updated_at = excluded.updated_at`,
      ),
      putPlaceholder: db.prepare<[string, string, string | null, string, string]>(
        `INSERT OR IGNORE INTO entities (blueprint, identifier, datasource, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
      ),
      remove: db.prepare<[string, string]>("DELETE FROM entities WHERE blueprint = ? AND identifier = ?"),
      removeRelationsTo: db.prepare<[string, string]>(
        "DELETE FROM entity_relations WHERE target_blueprint = ? AND target_identifier = ?",
      ),
      addRelation: db.prepare<[string, string, string, string, string]>(
        "INSERT OR IGNORE INTO entity_relations (target_blueprint, target_identifier, blueprint, identifier, relation) VALUES (?, ?, ?, ?, ?)",
      ),
      removeRelation: db.prepare<[string, string, string, string, string]>(
        "DELETE FROM entity_relations WHERE target_blueprint = ? AND target_identifier = ? AND blueprint = ? AND identifier = ? AND relation = ?",
      ),
      referrers: db.prepare<[string, string], { blueprint: string; identifier: string; relation: string }>(
        "SELECT blueprint, identifier, relation FROM entity_relations WHERE target_blueprint = ? AND target_identifier = ?",
      ),
      page: db.prepare<
        { blueprint: string | null; identifier: string | null; after_bp: string; after_id: string; limit: number },
        EntityRow
      >(
        `SELECT * FROM entities
         WHERE (:blueprint IS NULL OR blueprint = :blueprint) AND (:identifier IS NULL OR identifier = :identifier)
           AND (blueprint, identifier) > (:after_bp, :after_id)
         ORDER BY blueprint, identifier LIMIT :limit`,
      ),
      relatedPage: db.prepare<
        {
          target_bp: string;
          target_id: string;
          relation: string | null;
          blueprint: string | null;
          after_bp: string;
          after_id: string;
          limit: number;
        },
        EntityRow
      >(
        `SELECT e.* FROM entities e
         WHERE (e.blueprint, e.identifier) IN (
           SELECT blueprint, identifier FROM entity_relations
           WHERE target_blueprint = :target_bp AND target_identifier = :target_id AND (:relation IS NULL OR relation = :relation))
           AND (:blueprint IS NULL OR e.blueprint = :blueprint)
           AND (e.blueprint, e.identifier) > (:after_bp, :after_id)
         ORDER BY e.blueprint, e.identifier LIMIT :limit`,
      ),
      ownedPage: db.prepare<
        {
          prefix: string;
          suffix: string;
          before: string | null;
          blueprints: string | null;
          after_bp: string;
          after_id: string;
          limit: number;
        },
        { blueprint: string; identifier: string; updated_at: string }
      >(
        `SELECT blueprint, identifier, updated_at FROM entities
         WHERE (blueprint, identifier) > (:after_bp, :after_id)
           AND length(datasource) >= length(:prefix) + length(:suffix)
           AND substr(datasource, 1, length(:prefix)) = :prefix
           AND substr(datasource, -length(:suffix)) = :suffix
           AND (:before IS NULL OR updated_at < :before)
           AND (:blueprints IS NULL OR blueprint IN (SELECT value FROM json_each(:blueprints)))
         ORDER BY blueprint, identifier LIMIT :limit`,
      ),
      count: db.prepare<{ blueprint: string | null }, { n: number }>(
        "SELECT count(*) AS n FROM entities WHERE :blueprint IS NULL OR blueprint = :blueprint",
      ),
      blueprints: db.prepare<[], { definition: string }>("SELECT definition FROM blueprints ORDER BY identifier"),
      putBlueprint: db.prepare<[string, string, string, string]>(
        `INSERT INTO blueprints (identifier, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (identifier) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
      ),
    };
    this.reloadBlueprints();
  }

  /** Reads the blueprints from the file again: another connection (the writer thread's peer) changed them. */
  reloadBlueprints(): void {
    this.#blueprints.clear();
    for (const row of this.#sql.blueprints.all()) {
      const blueprint = Blueprint.parse(JSON.parse(row.definition));
      this.#blueprints.set(blueprint.identifier, blueprint);
    }
  }

  blueprint(identifier: string): Blueprint | undefined {
    return this.#blueprints.get(identifier);
  }

  blueprintList(): Blueprint[] {
    return [...this.#blueprints.values()];
  }

  putBlueprint(blueprint: Blueprint, now: string): void {
    this.#sql.putBlueprint.run(blueprint.identifier, JSON.stringify(blueprint), now, now);
    this.#blueprints.set(blueprint.identifier, blueprint);
  }

  get(blueprint: string, identifier: string): StoredEntity | null {
    const row = this.#sql.get.get(blueprint, identifier);
    return row === undefined ? null : entityOf(row);
  }

  exists(blueprint: string, identifier: string): boolean {
    return this.#sql.exists.get(blueprint, identifier) !== undefined;
  }

  find(
    blueprint: string,
    test: (entity: StoredEntity) => boolean,
    limit: number,
    identifiers?: readonly string[],
  ): StoredEntity[] {
    const found: StoredEntity[] = [];
    if (identifiers !== undefined) {
      for (const identifier of identifiers) {
        const entity = this.get(blueprint, identifier);
        if (entity !== null && test(entity)) found.push(entity);
        if (found.length >= limit) break;
      }
      return found;
    }
    for (const page of this.pages({ blueprint })) {
      for (const entity of page) {
        if (test(entity)) found.push(entity);
        if (found.length >= limit) return found;
      }
    }
    return found;
  }

  referrers(target: EntityKey): { blueprint: string; identifier: string; relation: string }[] {
    return this.#sql.referrers.all(target.blueprint, target.identifier);
  }

  /**
   * Writes an entity's content (creating or replacing it) and updates the relation index by difference with what
   * was stored: an unchanged entity rewrites one row, not its relation rows (a second resync stays cheap).
   */
  write(
    key: EntityKey,
    content: EntityContent,
    previous: EntityContent | null,
    datasource: string | null,
    now: string,
  ): void {
    this.#put(key, content, datasource, now, now);
    const before = this.#relationRows(key.blueprint, previous?.relations ?? {});
    const after = this.#relationRows(key.blueprint, content.relations);
    for (const [text, row] of before) {
      if (!after.has(text))
        this.#sql.removeRelation.run(row.target, row.identifier, key.blueprint, key.identifier, row.relation);
    }
    for (const [text, row] of after) {
      if (!before.has(text))
        this.#sql.addRelation.run(row.target, row.identifier, key.blueprint, key.identifier, row.relation);
    }
  }

  /** Creates an empty entity (a missing relation target) unless it exists. */
  writePlaceholder(key: EntityKey, datasource: string | null, now: string): void {
    this.#sql.putPlaceholder.run(key.blueprint, key.identifier, datasource, now, now);
  }

  /** Deletes an entity, the index rows of its relations and the index rows pointing at it. */
  remove(key: EntityKey): void {
    const entity = this.get(key.blueprint, key.identifier);
    if (entity === null) return;
    for (const row of this.#relationRows(key.blueprint, entity.relations).values()) {
      this.#sql.removeRelation.run(row.target, row.identifier, key.blueprint, key.identifier, row.relation);
    }
    this.#sql.remove.run(key.blueprint, key.identifier);
    this.#sql.removeRelationsTo.run(key.blueprint, key.identifier);
  }

  /** Removes a deleted target from a surviving entity's relation (Port orphans non-required relations). */
  clearRelation(clear: RelationToClear, now: string): void {
    const entity = this.get(clear.entity.blueprint, clear.entity.identifier);
    if (entity === null) return;
    const value = entity.relations[clear.relation];
    const relations = { ...entity.relations };
    if (Array.isArray(value)) relations[clear.relation] = value.filter((identifier) => identifier !== clear.target);
    else if (value === clear.target) delete relations[clear.relation];
    else return;
    this.#put(entity, { ...entity, relations }, entity.datasource, entity.createdAt, now);
    const target = this.#blueprints.get(entity.blueprint)?.relations[clear.relation]?.target ?? "";
    this.#sql.removeRelation.run(target, clear.target, entity.blueprint, entity.identifier, clear.relation);
  }

  /** Inserts or replaces an entity's row (an existing row keeps its `created_at`). */
  #put(key: EntityKey, content: EntityContent, datasource: string | null, createdAt: string, updatedAt: string): void {
    this.#sql.put.run(
      key.blueprint,
      key.identifier,
      content.title,
      JSON.stringify(content.team),
      content.icon,
      JSON.stringify(content.properties),
      JSON.stringify(content.relations),
      datasource,
      createdAt,
      updatedAt,
    );
  }

  /** The index rows of an entity's relations, keyed by their text so that two sets can be compared. */
  #relationRows(
    blueprint: string,
    relations: Record<string, string | string[]>,
  ): Map<string, { target: string; identifier: string; relation: string }> {
    const rows = new Map<string, { target: string; identifier: string; relation: string }>();
    const definitions = this.#blueprints.get(blueprint)?.relations;
    for (const [relation, value] of Object.entries(relations)) {
      const target = definitions?.[relation]?.target;
      if (target === undefined) continue;
      for (const identifier of typeof value === "string" ? [value] : value) {
        rows.set(`${relation}\u0000${identifier}`, { target, identifier, relation });
      }
    }
    return rows;
  }

  /** Pages of entities in key order, optionally of one blueprint or one identifier, or related to an entity. */
  *pages(filter: EntityFilter, pageSize = 500): Generator<StoredEntity[]> {
    yield* keysetPages(pageSize, entityOf, (after) =>
      filter.relatedTo === undefined
        ? this.#sql.page.all({
            blueprint: filter.blueprint ?? null,
            identifier: filter.identifier ?? null,
            after_bp: after.blueprint,
            after_id: after.identifier,
            limit: pageSize,
          })
        : this.#sql.relatedPage.all({
            target_bp: filter.relatedTo.blueprint,
            target_id: filter.relatedTo.identifier,
            relation: filter.relatedTo.relation ?? null,
            blueprint: filter.blueprint ?? null,
            after_bp: after.blueprint,
            after_id: after.identifier,
            limit: pageSize,
          }),
    );
  }

  /** Pages of the entities a datasource owns, in key order, optionally updated before a time or of some blueprints. */
  *ownedPages(
    match: DatasourceMatch,
    options: { before: string | null; blueprints: readonly string[] | null },
    pageSize: number,
  ): Generator<OwnedEntity[]> {
    const ownedOf = (row: { blueprint: string; identifier: string; updated_at: string }): OwnedEntity => ({
      blueprint: row.blueprint,
      identifier: row.identifier,
      updatedAt: row.updated_at,
    });
    yield* keysetPages(pageSize, ownedOf, (after) =>
      this.#sql.ownedPage.all({
        prefix: match.prefix,
        suffix: match.suffix,
        before: options.before,
        blueprints: options.blueprints === null ? null : JSON.stringify(options.blueprints),
        after_bp: after.blueprint,
        after_id: after.identifier,
        limit: pageSize,
      }),
    );
  }

  count(blueprint?: string): number {
    return this.#sql.count.get({ blueprint: blueprint ?? null })?.n ?? 0;
  }
}

export interface EntityFilter {
  blueprint?: string;
  identifier?: string;
  /** Entities with a relation (any, or the named one) pointing at this entity. */
  relatedTo?: EntityKey & { relation?: string };
}

export function entityOf(row: EntityRow): StoredEntity {
  // The JSON columns hold only what write() stored from checked content: parsing them again with zod on every read
  // would double the cost of an export or a search for no safety.
  return {
    blueprint: row.blueprint,
    identifier: row.identifier,
    title: row.title,
    team: JSON.parse(row.team) as string[],
    icon: row.icon,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
    relations: JSON.parse(row.relations) as Record<string, string | string[]>,
    datasource: row.datasource,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
