/**
 * `/rest/api/1.0/` + every segment percent-encoded, so that personal project keys (`~USER`), user slugs with
 * odd characters (`[REDACTED]` in the seed) and slugs with dots reach the server intact.
 */
export function api(...segments: readonly (string | number)[]): string {
  return `/rest/api/1.0/${segments.map((segment) => encodeURIComponent(String(segment))).join("/")}`;
}
