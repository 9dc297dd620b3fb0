import Database from "better-sqlite3";
import { z } from "zod";
import { hasLocalSchema } from "../relay/catalog/local/local-schema";

/**
 * Watches the local catalog's SQLite file from the outside (a read-only connection, as `bbrelay catalog export`
 * opens it) and tells what changed since the last look: entities created, updated (with the fields that changed)
 * and deleted. `npm start` prints these as the agent writes them.
 *
 * The catalog has no change feed, so the watcher compares: it keeps, per entity, its last `updated_at` and its
 * content, asks SQLite's `data_version` (which moves only when another connection commits) before doing any
 * work, then reads the rows updated at or after the newest time it has seen. Deletions leave no row behind: a
 * blueprint whose count no longer matches what the watcher knows is listed key by key to find them.
 *
 * Memory grows with the catalog: the content of up to `detailLimit` entities is kept for the field-level diff;
 * past that, only keys and times are kept and an update is reported without its fields.
 */

export interface FieldChange {
  /** `title`, `team`, `properties.<name>` or `relations.<name>`. */
  field: string;
  before: unknown;
  after: unknown;
}

export type CatalogChange =
  | { change: "created"; blueprint: string; identifier: string; title: string | null }
  /** `fields` is null when the entity's previous content was not kept (see `detailLimit`). */
  | { change: "updated"; blueprint: string; identifier: string; title: string | null; fields: FieldChange[] | null }
  | { change: "deleted"; blueprint: string; identifier: string; title: string | null };

export interface CatalogWatcherOptions {
  /** The local catalog's file (it must exist and hold a catalog: the agent creates it when it starts). */
  path: string;
  /** Entities whose content is kept for field-level diffs. Default 50,000. */
  detailLimit?: number;
}

/** A row as read: the columns of `relay/catalog/local/local-schema.ts` that the watcher uses. */
const EntityRow = z.object({
  blueprint: z.string(),
  identifier: z.string(),
  title: z.string().nullable(),
  team: z.string(),
  properties: z.string(),
  relations: z.string(),
  updated_at: z.string(),
});
type EntityRow = z.infer<typeof EntityRow>;

const CountRow = z.object({ blueprint: z.string(), n: z.number() });
const KeyRow = z.object({ identifier: z.string() });
const JsonObject = z.record(z.string(), z.unknown()).catch({});

interface Known {
  blueprint: string;
  identifier: string;
  title: string | null;
  updatedAt: string;
  /** `team`, `properties` and `relations` as stored (JSON text), or null past the detail limit. */
  content: { team: string; properties: string; relations: string } | null;
}

export class CatalogWatcher {
  readonly #db: Database.Database;
  readonly #detailLimit: number;
  readonly #known = new Map<string, Known>();
  readonly #counts = new Map<string, number>();
  readonly #sql;
  #detailed = 0;
  #watermark = "";
  #dataVersion = -1;

  /**
   * Opens the file read-only and takes the catalog as it is now as the starting point (reported as nothing).
   * @throws Error when the file does not exist or is not a local catalog
   */
  constructor(options: CatalogWatcherOptions) {
    this.#detailLimit = options.detailLimit ?? 50_000;
    this.#db = new Database(options.path, { readonly: true, fileMustExist: true });
    if (!hasLocalSchema(this.#db)) {
      this.#db.close();
      throw new Error(`${options.path} is not a bbrelay local catalog (no catalog tables in it)`);
    }
    this.#sql = {
      since: this.#db.prepare<[string], unknown>(
        "SELECT blueprint, identifier, title, team, properties, relations, updated_at FROM entities WHERE updated_at >= ? ORDER BY updated_at, blueprint, identifier",
      ),
      one: this.#db.prepare<[string, string], unknown>(
        "SELECT blueprint, identifier, title, team, properties, relations, updated_at FROM entities WHERE blueprint = ? AND identifier = ?",
      ),
      counts: this.#db.prepare<[], unknown>("SELECT blueprint, count(*) AS n FROM entities GROUP BY blueprint"),
      keys: this.#db.prepare<[string], unknown>("SELECT identifier FROM entities WHERE blueprint = ?"),
    };
    // What the catalog holds when the watcher opens is the starting point, not a change.
    this.#dataVersion = this.#readDataVersion();
    this.#db.transaction(() => this.#look())();
  }

  /** Entities per blueprint, as of the last look. */
  counts(): Map<string, number> {
    return new Map([...this.#counts].filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));
  }

  /** @returns what changed since the last look (nothing, and no query, when no other connection committed) */
  poll(): CatalogChange[] {
    // Read before the rows: a commit that lands in between moves it again, so the next look catches it.
    const version = this.#readDataVersion();
    if (version === this.#dataVersion) return [];
    this.#dataVersion = version;
    // One read transaction: the rows and the counts are of the same moment.
    return this.#db.transaction(() => this.#look())();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #readDataVersion(): number {
    const version: unknown = this.#db.pragma("data_version", { simple: true });
    return typeof version === "number" ? version : -1;
  }

  #look(): CatalogChange[] {
    const changes: CatalogChange[] = [];
    for (const raw of this.#sql.since.all(this.#watermark)) {
      const change = this.#see(EntityRow.parse(raw));
      if (change !== null) changes.push(change);
    }
    const stored = new Map(
      this.#sql.counts.all().map((raw) => {
        const row = CountRow.parse(raw);
        return [row.blueprint, row.n] as const;
      }),
    );
    for (const blueprint of new Set([...stored.keys(), ...this.#counts.keys()])) {
      if ((stored.get(blueprint) ?? 0) !== (this.#counts.get(blueprint) ?? 0))
        changes.push(...this.#reconcileBlueprint(blueprint));
    }
    return changes;
  }

  /** Records a row read from the catalog. @returns the change it is, or null when nothing visible changed */
  #see(row: EntityRow): CatalogChange | null {
    if (row.updated_at > this.#watermark) this.#watermark = row.updated_at;
    const key = keyOf(row.blueprint, row.identifier);
    const previous = this.#known.get(key);
    const content = { team: row.team, properties: row.properties, relations: row.relations };
    const unchanged =
      previous !== undefined &&
      previous.updatedAt === row.updated_at &&
      previous.title === row.title &&
      (previous.content === null || sameContent(previous.content, content));
    if (unchanged) return null;
    const hadContent = previous !== undefined && previous.content !== null;
    const keep = hadContent || this.#detailed < this.#detailLimit;
    if (keep && !hadContent) this.#detailed++;
    this.#known.set(key, {
      blueprint: row.blueprint,
      identifier: row.identifier,
      title: row.title,
      updatedAt: row.updated_at,
      content: keep ? content : null,
    });
    const base = { blueprint: row.blueprint, identifier: row.identifier, title: row.title };
    if (previous === undefined) {
      this.#counts.set(row.blueprint, (this.#counts.get(row.blueprint) ?? 0) + 1);
      return { change: "created", ...base };
    }
    if (previous.content === null) return { change: "updated", ...base, fields: null };
    const fields = diffFields(previous, row);
    return fields.length === 0 ? null : { change: "updated", ...base, fields };
  }

  /** Lists a blueprint's keys to find what was deleted (and, should a row have been missed, what is new). */
  #reconcileBlueprint(blueprint: string): CatalogChange[] {
    const changes: CatalogChange[] = [];
    const present = new Set(this.#sql.keys.all(blueprint).map((raw) => KeyRow.parse(raw).identifier));
    for (const [key, known] of this.#known) {
      if (known.blueprint !== blueprint || present.has(known.identifier)) continue;
      this.#known.delete(key);
      if (known.content !== null) this.#detailed--;
      this.#counts.set(blueprint, (this.#counts.get(blueprint) ?? 1) - 1);
      changes.push({ change: "deleted", blueprint, identifier: known.identifier, title: known.title });
    }
    for (const identifier of present) {
      if (this.#known.has(keyOf(blueprint, identifier))) continue;
      const raw = this.#sql.one.get(blueprint, identifier);
      const change = raw === undefined ? null : this.#see(EntityRow.parse(raw));
      if (change !== null) changes.push(change);
    }
    return changes;
  }
}

function keyOf(blueprint: string, identifier: string): string {
  return `${blueprint}\u0000${identifier}`;
}

function sameContent(a: NonNullable<Known["content"]>, b: NonNullable<Known["content"]>): boolean {
  return a.team === b.team && a.properties === b.properties && a.relations === b.relations;
}

function diffFields(previous: Known, row: EntityRow): FieldChange[] {
  const fields: FieldChange[] = [];
  if (previous.title !== row.title) fields.push({ field: "title", before: previous.title, after: row.title });
  const content = previous.content;
  if (content === null) return fields;
  if (content.team !== row.team)
    fields.push({ field: "team", before: parseJson(content.team), after: parseJson(row.team) });
  for (const group of ["properties", "relations"] as const) {
    if (content[group] === row[group]) continue;
    const before = JsonObject.parse(parseJson(content[group]));
    const after = JsonObject.parse(parseJson(row[group]));
    for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const a = before[name] ?? null;
      const b = after[name] ?? null;
      if (JSON.stringify(a) !== JSON.stringify(b)) fields.push({ field: `${group}.${name}`, before: a, after: b });
    }
  }
  return fields;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
