import type { EntityKey, StoredEntity } from "../catalog";
import type { Blueprint } from "./blueprint";

/**
 * What Port's write rules need to read from a store. The local catalog (SQLite) and the fake Port (memory) implement
 * it, and `planUpsert`/`planDelete` hold the rules once, so both behave as Port does in the same way.
 */
export interface EntityStoreView {
  blueprint(identifier: string): Blueprint | undefined;
  get(blueprint: string, identifier: string): StoredEntity | null;
  exists(blueprint: string, identifier: string): boolean;
  /**
   * Entities of a blueprint for which `test` holds, at most `limit` of them. `identifiers`, when given, are the only
   * candidates (a query that pins identifiers need not scan).
   */
  find(
    blueprint: string,
    test: (entity: StoredEntity) => boolean,
    limit: number,
    identifiers?: readonly string[],
  ): StoredEntity[];
  /** The entities with a relation pointing at this one, and which relation. */
  referrers(target: EntityKey): { blueprint: string; identifier: string; relation: string }[];
}
