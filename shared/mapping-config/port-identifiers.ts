/**
 * Port's identifier rules (port-api.md §2.1 and §3): what Port accepts for an entity identifier (and relation
 * targets), a blueprint identifier, and a property or relation name. Checking them here turns a bulk-upsert
 * rejection into a mapping-time warning with the field's path.
 */

/** Entity identifiers and relation targets: letters of any script, digits and `@ _ . + : \ / = -`; not `.` or `..`. */
export const ENTITY_IDENTIFIER_PATTERN = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u;
/** Blueprint identifiers: as entity identifiers, without `=`. */
export const BLUEPRINT_IDENTIFIER_PATTERN = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/-]+$/u;
/** Property, relation, mirror and calculation names: no dots. */
export const PROPERTY_IDENTIFIER_PATTERN = /^[A-Za-z0-9@_=-]+$/;

export const ENTITY_IDENTIFIER_MAX_LENGTH = 1000;
export const BLUEPRINT_IDENTIFIER_MAX_LENGTH = 100;
export const PROPERTY_IDENTIFIER_MAX_LENGTH = 100;

/** @returns whether Port accepts the text as an entity identifier (or a relation target) */
export function isEntityIdentifier(text: string): boolean {
  return text.length <= ENTITY_IDENTIFIER_MAX_LENGTH && ENTITY_IDENTIFIER_PATTERN.test(text);
}

/** @returns whether Port accepts the text as a blueprint identifier */
export function isBlueprintIdentifier(text: string): boolean {
  return text.length <= BLUEPRINT_IDENTIFIER_MAX_LENGTH && BLUEPRINT_IDENTIFIER_PATTERN.test(text);
}

/** @returns whether Port accepts the text as a property or relation name */
export function isPropertyIdentifier(text: string): boolean {
  return text.length <= PROPERTY_IDENTIFIER_MAX_LENGTH && PROPERTY_IDENTIFIER_PATTERN.test(text);
}
