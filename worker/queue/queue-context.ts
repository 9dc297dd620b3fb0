import type { MessageType } from "../../shared/protocol/schema";
import type { EdgeSettings } from "../config/settings";

/** What every queue operation works with: the object's storage, its settings, and the time of the operation. */
export interface QueueContext {
  readonly storage: DurableObjectStorage;
  readonly sql: SqlStorage;
  readonly settings: EdgeSettings;
  /** Epoch milliseconds, read once per operation so that every row it writes agrees. */
  readonly now: number;
}

export type MessageState = "ready" | "leased" | "dead";

/** A row of `messages` (see migrations.ts). */
export type MessageRow = {
  seq: number;
  type: MessageType;
  event_key: string | null;
  delivery_id: string | null;
  entity_key: string;
  resync_reason: string | null;
  received_at: number;
  state: MessageState;
  visible_at: number;
  lease_id: string | null;
  lease_until: number | null;
  attempts: number;
  last_error: string | null;
  dead_at: number | null;
  body_bytes: number;
};

/** The entity key of every `resync` message: the queue never leases two at once. */
export const RESYNC_ENTITY_KEY = "resync";

/** Message ids are the arrival sequence, as text: unique per tenant and ordered. */
export function messageId(seq: number): string {
  return String(seq);
}

/** @returns the sequence number of a message id, or null when the text is not one */
export function parseMessageId(id: string): number | null {
  if (!/^\d{1,15}$/.test(id)) return null;
  return Number(id);
}
