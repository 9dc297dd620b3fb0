import type { CatalogEntity } from "../catalog/catalog";

export { isJsonObject, type JsonObject } from "./engine";

/**
 * What the mapper returns for one listed item: values, never throws (a throw means the engine itself broke).
 * The counts of every item add up (see {@link addCounts}) into the per-kind summary of a resync.
 */

/** Something Port would log and carry on from: a field that failed, an entity that was skipped. */
export interface MappingWarning {
  code: "field-error" | "entity-dropped" | "relation-target-invalid" | "items-to-parse-empty";
  /** The place in the mapping file: `resources[2].port.entity.mappings.properties.created_on`. */
  path: string;
  message: string;
  /** With `itemsToParse`: which element of the item. */
  element?: number;
}

/**
 * An error for the kind: the item's outcome is unknown (the selector failed or did not give a boolean, or
 * `itemsToParse` failed), so a resync must not delete anything on the strength of this listing.
 */
export interface MappingError {
  code: "selector-error" | "selector-not-boolean" | "items-to-parse-error" | "items-to-parse-not-array";
  path: string;
  message: string;
  element?: number;
}

export interface MappingCounts {
  /** Listed items given to the mapper. */
  items: number;
  /** Items after `itemsToParse` expansion (equal to `items` without it). */
  considered: number;
  /** Passed the selector. */
  selected: number;
  /** The selector said false. */
  rejected: number;
  /** Entities produced. */
  entities: number;
  /** Selected, but skipped: null, empty or invalid identifier or blueprint. */
  dropped: number;
  /** Field evaluations that failed with a jq error (the field became null). */
  fieldErrors: number;
  /** Errors for the kind. */
  errors: number;
}

export interface ItemResult {
  entities: CatalogEntity[];
  /** With `includeRejected`: entities of the elements the selector rejected (to delete them on live events). */
  rejected: CatalogEntity[];
  warnings: MappingWarning[];
  errors: MappingError[];
  /**
   * Dot-paths (inside the entity, e.g. `properties.mergedAt`) of fields that came out null, once per entity:
   * Port's "misconfigured" fields. Not warnings: an open PR has no merge date.
   */
  nullFields: string[];
  counts: MappingCounts;
}

export function emptyCounts(): MappingCounts {
  return { items: 0, considered: 0, selected: 0, rejected: 0, entities: 0, dropped: 0, fieldErrors: 0, errors: 0 };
}

/** Adds `more` into `total` (mutates and returns `total`). */
export function addCounts(total: MappingCounts, more: MappingCounts): MappingCounts {
  total.items += more.items;
  total.considered += more.considered;
  total.selected += more.selected;
  total.rejected += more.rejected;
  total.entities += more.entities;
  total.dropped += more.dropped;
  total.fieldErrors += more.fieldErrors;
  total.errors += more.errors;
  return total;
}
