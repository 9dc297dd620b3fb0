/**
 * Port's entity identifier rule (port-api.md §2.1, from Port's OpenAPI spec): letters of any script, digits and
 * `@ _ . + : \ / = -`, not exactly `.` or `..`, at most 1000 characters. Relation targets follow the same rule.
 * Unicode-aware, so it needs the `u` flag.
 */
export const ENTITY_IDENTIFIER_PATTERN = /^(?!\.{1,2}$)[\p{L}0-9@_.+:\\/=-]+$/u;
export const ENTITY_IDENTIFIER_MAX_LENGTH = 1000;

/** The pattern as Port's spec writes it, for error messages. */
export const ENTITY_IDENTIFIER_PATTERN_TEXT = "^(?!\\.{1,2}$)[\\p{L}0-9@_.+:\\\\/=-]+$";

/**
 * @returns why a value is not a valid entity identifier, or null when it is
 */
export function identifierProblem(value: string): string | null {
  if (value.length === 0) return "must not be empty";
  if (value.length > ENTITY_IDENTIFIER_MAX_LENGTH) {
    return `must be at most ${ENTITY_IDENTIFIER_MAX_LENGTH} characters (it has ${value.length})`;
  }
  if (!ENTITY_IDENTIFIER_PATTERN.test(value)) {
    return `"${clip(value)}" must match pattern "${ENTITY_IDENTIFIER_PATTERN_TEXT}" (letters, digits and @ _ . + : \\ / = - only; no spaces)`;
  }
  return null;
}

function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
