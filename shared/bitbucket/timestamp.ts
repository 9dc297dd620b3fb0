import { type Json, jsonOf } from "../json";

/**
 * Bitbucket timestamps come in two dialects: REST responses and webhooks up to 9.x use epoch milliseconds
 * (`1747730324792`); DC 10.x webhooks switched some fields to ISO-8601 strings, with or without fractional
 * seconds and with offsets written `Z`, `+00:00` or `+0000` (no colon, which `Date.parse` rejects).
 */

// yyyy-mm-ddThh:mm(:ss(.fff)?)?(Z|±hh(:?mm)?)
const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * @param value a Bitbucket timestamp: epoch milliseconds (number or digit string) or an ISO-8601 string
 * @returns epoch milliseconds, or null when the value is not a timestamp in either dialect
 */
export function parseBitbucketTimestamp(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return null;
  const [, date, time, zone] = match;
  const offset = zone === "Z" ? "Z" : normaliseOffset(zone ?? "");
  const millis = Date.parse(`${date}T${time}${offset}`);
  return Number.isNaN(millis) ? null : millis;
}

function normaliseOffset(zone: string): string {
  const sign = zone.slice(0, 1);
  const digits = zone.slice(1).replace(":", "");
  const hours = digits.slice(0, 2);
  const minutes = digits.slice(2, 4) || "00";
  return `${sign}${hours}:${minutes}`;
}

/** Timestamp fields that may appear anywhere in a webhook payload (PRs, commits, comments, participants). */
const TIMESTAMP_FIELDS = new Set([
  "createdDate",
  "updatedDate",
  "closedDate",
  "authorTimestamp",
  "committerTimestamp",
  "lastAuthenticationTimestamp",
]);

/**
 * Returns a copy of a webhook payload in the REST dialect, as {@link Json}: every known timestamp field as epoch
 * milliseconds. The agent maps payload objects (for example the pull request of `pr:deleted`) with mappings written
 * for REST responses, where `.createdDate / 1000` must work; a 10.x ISO string would make that jq fail.
 * Values that are not timestamps in either dialect are left as they are. The copy is {@link jsonOf}'s: it does not
 * recurse (a signed payload may nest 10,000 levels deep) and a `__proto__` key stays data.
 */
export function toRestDialect(value: unknown): Json {
  return jsonOf(value, (key, text) => (TIMESTAMP_FIELDS.has(key) ? (parseBitbucketTimestamp(text) ?? text) : text));
}
