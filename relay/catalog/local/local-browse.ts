import type Database from "better-sqlite3";
import type { StoredEntity } from "../catalog";
import { type EntityRow, entityOf, type PageCursor } from "./local-store";

/** Entities a search or filter reads past its cursor, at most, per page: a page costs the same at any depth. */
export const BROWSE_SCAN_WINDOW = 10_000;

export interface BrowseQuery {
  blueprint?: string;
  /** Matches identifiers and titles containing it (case-insensitive for ASCII, as SQLite's LIKE). */
  search?: string;
  /** A property equal to a value, compared as text (`true`, `42`, `OPEN`). */
  property?: { name: string; value: string };
  after?: PageCursor;
  limit: number;
}

export interface BrowsePage {
  entities: StoredEntity[];
  /**
   * A search or filter that read its whole window without filling the page: where to resume (the next page starts
   * after it). Null when the scan reached the end of the catalog, or for a plain listing.
   */
  resumeAfter: PageCursor | null;
}

interface Bindings {
  blueprint: string | null;
  after_bp: string;
  after_id: string;
}

/**
 * The local catalog as a person browses it (the agent's console): keyset pages in key order, a text search and a
 * property filter. Neither can use an index (`LIKE '%text%'`, a JSON field), and better-sqlite3 runs on the agent's
 * only thread, so a search reads at most {@link BROWSE_SCAN_WINDOW} entities past its cursor, narrow columns first
 * (the full rows only for the matches), and says where to resume: no page holds up the live loop for long, however
 * large the catalog.
 */
export class LocalBrowser {
  readonly #sql;

  constructor(db: Database.Database) {
    this.#sql = {
      page: db.prepare<Bindings & { limit: number }, EntityRow>(
        `SELECT * FROM entities WHERE (:blueprint IS NULL OR blueprint = :blueprint)
           AND (blueprint, identifier) > (:after_bp, :after_id)
         ORDER BY blueprint, identifier LIMIT :limit`,
      ),
      search: db.prepare<
        Bindings & { search: string | null; path: string | null; value: string | null; scan: number; limit: number },
        EntityRow
      >(
        `SELECT e.* FROM (
           SELECT rowid AS r, blueprint, identifier, title, properties FROM entities
            WHERE (:blueprint IS NULL OR blueprint = :blueprint) AND (blueprint, identifier) > (:after_bp, :after_id)
            ORDER BY blueprint, identifier LIMIT :scan) w
         JOIN entities e ON e.rowid = w.r
         WHERE (:search IS NULL OR w.identifier LIKE :search ESCAPE '\\' OR w.title LIKE :search ESCAPE '\\')
           AND (:path IS NULL OR (CASE json_type(w.properties, :path) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
                ELSE CAST(json_extract(w.properties, :path) AS TEXT) END) = :value)
         ORDER BY w.blueprint, w.identifier LIMIT :limit`,
      ),
      windowEnd: db.prepare<Bindings & { offset: number }, PageCursor>(
        `SELECT blueprint, identifier FROM entities WHERE (:blueprint IS NULL OR blueprint = :blueprint)
           AND (blueprint, identifier) > (:after_bp, :after_id)
         ORDER BY blueprint, identifier LIMIT 1 OFFSET :offset`,
      ),
      counts: db.prepare<[], { blueprint: string; n: number }>(
        "SELECT blueprint, count(*) AS n FROM entities GROUP BY blueprint",
      ),
    };
  }

  /** Entities per blueprint, in one pass over the primary key. */
  blueprintCounts(): Map<string, number> {
    return new Map(this.#sql.counts.all().map((row) => [row.blueprint, row.n]));
  }

  browse(query: BrowseQuery, window = BROWSE_SCAN_WINDOW): BrowsePage {
    const bindings: Bindings = {
      blueprint: query.blueprint ?? null,
      after_bp: query.after?.blueprint ?? "",
      after_id: query.after?.identifier ?? "",
    };
    if (query.search === undefined && query.property === undefined)
      return { entities: this.#sql.page.all({ ...bindings, limit: query.limit }).map(entityOf), resumeAfter: null };
    const entities = this.#sql.search
      .all({
        ...bindings,
        search: query.search === undefined ? null : `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
        path: query.property === undefined ? null : `$."${query.property.name.replace(/["\\]/g, "")}"`,
        value: query.property?.value ?? null,
        scan: window,
        limit: query.limit,
      })
      .map(entityOf);
    const resumeAfter =
      entities.length >= query.limit ? null : (this.#sql.windowEnd.get({ ...bindings, offset: window - 1 }) ?? null);
    return { entities, resumeAfter };
  }
}
