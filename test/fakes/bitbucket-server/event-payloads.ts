import type { UserRecord } from "./model";
import { type SerializeContext, userJson } from "./serialize";

/**
 * Webhook payload helpers (reference §5.4, §5.6). Every body has `eventKey`, `date` (zoned, no colon in the
 * offset: `2026-08-19T17:27:55+0000`) and `actor`; entities inside are the REST shapes. The 10.x dialect turns
 * the epoch-millisecond timestamps into ISO-8601 strings (`2026-08-19T17:27:55.266Z`).
 */

export type Payload = Record<string, unknown>;

export function eventDate(millis: number): string {
  return new Date(millis).toISOString().replace(/\.\d{3}Z$/, "+0000");
}

export function basePayload(eventKey: string, actor: UserRecord, ctx: SerializeContext): Payload {
  return { eventKey, date: eventDate(ctx.state.clock.now()), actor: userJson(actor, ctx) };
}

const TIMESTAMPS = new Set(["createdDate", "updatedDate", "closedDate", "authorTimestamp", "committerTimestamp"]);

/** @returns a deep copy with every known timestamp as an ISO-8601 string, as DC 10.x sends them */
export function toIsoDialect(payload: Payload): Payload {
  const out: Payload = {};
  for (const [key, field] of Object.entries(payload)) out[key] = convertField(key, field);
  return out;
}

function convertField(key: string, field: unknown): unknown {
  return TIMESTAMPS.has(key) && typeof field === "number" ? new Date(field).toISOString() : convert(field);
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) out[key] = convertField(key, field);
  return out;
}
