import { z } from "zod";

/**
 * The agent protocol, version 1 (`/agent/v1/{tenant}/...`): strict schemas that the edge validates requests
 * with and the agent validates responses with. Modelled on Cloudflare Queues' pull consumers (lease, batch ack
 * with per-message retry delay, attempts, dead letters) plus long-poll, lease extension and idempotent acks.
 */

export const LEASE_MAX_DEFAULT = 10;
export const LEASE_MAX_LIMIT = 100;
export const VISIBILITY_MS_DEFAULT = 60_000;
export const VISIBILITY_MS_MIN = 1_000;
/** Twelve hours, as Cloudflare Queues: long enough for any resync, short enough that a lost lease heals. */
export const VISIBILITY_MS_MAX = 12 * 60 * 60 * 1000;
/** Under the 30 s that proxies and Workers commonly allow an idle request. */
export const WAIT_MS_MAX = 25_000;
export const RETRY_DELAY_MS_MAX = 24 * 60 * 60 * 1000;

export const MessageType = z.enum(["event", "resync"]);
export type MessageType = z.infer<typeof MessageType>;

/** Why a `resync` message was queued. */
export const ResyncReason = z.enum(["cron", "operator", "gap"]);
export type ResyncReason = z.infer<typeof ResyncReason>;

/**
 * Who leases: a stable id the agent keeps in its state directory, and the id of this run of it. When an agent
 * leases with a new incarnation, the edge gives back at once what its earlier incarnation still held (it crashed:
 * that work is lost), instead of letting those leases wait out their visibility timeout. Optional: an agent that
 * sends none leases as before.
 */
export const LeasingAgent = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "1-100 letters, digits, '.', '_' or '-'"),
  incarnation: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "1-100 letters, digits, '.', '_' or '-'"),
});
export type LeasingAgent = z.infer<typeof LeasingAgent>;

export const LeaseRequest = z.strictObject({
  max: z.number().int().min(1).max(LEASE_MAX_LIMIT).default(LEASE_MAX_DEFAULT),
  visibilityMs: z.number().int().min(VISIBILITY_MS_MIN).max(VISIBILITY_MS_MAX).default(VISIBILITY_MS_DEFAULT),
  waitMs: z.number().int().min(0).max(WAIT_MS_MAX).default(0),
  agent: LeasingAgent.optional(),
});
export type LeaseRequest = z.infer<typeof LeaseRequest>;
export type LeaseRequestInput = z.input<typeof LeaseRequest>;

export const LeasedMessage = z.strictObject({
  id: z.string(),
  leaseId: z.string(),
  type: MessageType,
  /** Webhook events only. */
  eventKey: z.string().optional(),
  /** The webhook's `X-Request-Id` (or the SHA-256 of its body when absent). */
  deliveryId: z.string().optional(),
  /** The ordering unit (`project:KEY`, `repository:KEY/slug`, `pull-request:KEY/slug/id`, `resync`). */
  entityKey: z.string().nullable(),
  /** Resync messages only. */
  reason: ResyncReason.optional(),
  /** Epoch milliseconds when the edge stored it. */
  receivedAt: z.number(),
  /** How many times it was leased before, this lease included. */
  attempts: z.number().int().min(1),
  /** Epoch milliseconds when this lease runs out unless extended. */
  leaseExpiresAt: z.number(),
  /** The parsed webhook body (events only). */
  payload: z.unknown().optional(),
});
export type LeasedMessage = z.infer<typeof LeasedMessage>;

export const LeaseResponse = z.strictObject({
  messages: z.array(LeasedMessage),
  /** Messages waiting (visible or delayed), not counting those in flight. */
  backlog: z.number().int().min(0),
});
export type LeaseResponse = z.infer<typeof LeaseResponse>;

export const AckRequest = z
  .strictObject({
    acks: z.array(z.string()).default([]),
    retries: z
      .array(
        z.strictObject({
          leaseId: z.string(),
          delayMs: z.number().int().min(0).max(RETRY_DELAY_MS_MAX),
          /** Why it failed; kept as the message's last reason, shown in its dead letter if it never succeeds. */
          reason: z.string().min(1).max(4_000).optional(),
        }),
      )
      .default([]),
    dead: z.array(z.strictObject({ leaseId: z.string(), reason: z.string().min(1).max(4_000) })).default([]),
  })
  .refine((body) => body.acks.length + body.retries.length + body.dead.length <= 1_000, {
    message: "at most 1000 lease ids per call",
  });
export type AckRequest = z.infer<typeof AckRequest>;
export type AckRequestInput = z.input<typeof AckRequest>;

/**
 * Per item: `ok` (done now or already done: acks are idempotent), `expired` (the lease ran out and the message
 * went back to the queue or to another agent; nothing was changed), `unknown` (never issued or long forgotten).
 */
export const LeaseOutcome = z.enum(["ok", "expired", "unknown"]);
export type LeaseOutcome = z.infer<typeof LeaseOutcome>;

export const AckResponse = z.strictObject({
  results: z.array(
    z.strictObject({ leaseId: z.string(), action: z.enum(["ack", "retry", "dead"]), outcome: LeaseOutcome }),
  ),
});
export type AckResponse = z.infer<typeof AckResponse>;

export const ExtendRequest = z.strictObject({
  leases: z
    .array(
      z.strictObject({
        leaseId: z.string(),
        visibilityMs: z.number().int().min(VISIBILITY_MS_MIN).max(VISIBILITY_MS_MAX),
      }),
    )
    .min(1)
    .max(LEASE_MAX_LIMIT * 10),
});
export type ExtendRequest = z.infer<typeof ExtendRequest>;

export const ExtendResponse = z.strictObject({
  results: z.array(
    z.strictObject({ leaseId: z.string(), outcome: LeaseOutcome, leaseExpiresAt: z.number().optional() }),
  ),
});
export type ExtendResponse = z.infer<typeof ExtendResponse>;

export const QueueCounters = z.strictObject({
  received: z.number().int(),
  duplicates: z.number().int(),
  ignored: z.number().int(),
  badSignatures: z.number().int(),
  dropped: z.number().int(),
  acked: z.number().int(),
  retried: z.number().int(),
  expired: z.number().int(),
  dead: z.number().int(),
});
export type QueueCounters = z.infer<typeof QueueCounters>;

export const QueueStats = z.strictObject({
  tenant: z.string(),
  /** Messages waiting to be leased (visible now or delayed). */
  backlog: z.number().int(),
  /** Of the backlog, those held back by a retry delay. */
  delayed: z.number().int(),
  inFlight: z.number().int(),
  deadLetters: z.number().int(),
  /** Age in milliseconds of the oldest undelivered message, or null when the queue is empty. */
  oldestMessageAgeMs: z.number().nullable(),
  resyncPending: z.boolean(),
  lastWebhookAt: z.number().nullable(),
  lastPingAt: z.number().nullable(),
  lastAgentContactAt: z.number().nullable(),
  counters: QueueCounters,
});
export type QueueStats = z.infer<typeof QueueStats>;

export const DeadLetter = z.strictObject({
  id: z.string(),
  type: MessageType,
  eventKey: z.string().optional(),
  deliveryId: z.string().optional(),
  entityKey: z.string().nullable(),
  receivedAt: z.number(),
  attempts: z.number().int(),
  reason: z.string(),
  deadAt: z.number(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export const DeadLetterList = z.strictObject({
  deadLetters: z.array(DeadLetter),
  /** Pass as `?after=` to get the next page; absent on the last page. */
  nextAfter: z.string().optional(),
});
export type DeadLetterList = z.infer<typeof DeadLetterList>;

export const RedriveRequest = z.union([
  z.strictObject({ ids: z.array(z.string()).min(1).max(1_000) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type RedriveRequest = z.infer<typeof RedriveRequest>;

export const RedriveResponse = z.strictObject({ redriven: z.number().int() });
export type RedriveResponse = z.infer<typeof RedriveResponse>;

/** Deletes dead letters for good (an event nobody wants replayed); ids that are not dead letters are skipped. */
export const DropRequest = z.strictObject({ ids: z.array(z.string()).min(1).max(1_000) });
export type DropRequest = z.infer<typeof DropRequest>;

export const DropResponse = z.strictObject({ dropped: z.number().int() });
export type DropResponse = z.infer<typeof DropResponse>;

export const ResyncRequestResponse = z.strictObject({
  /** The id of the pending resync message (new, or the one already waiting). */
  id: z.string(),
  /** True when a resync was already pending and this request was coalesced into it. */
  coalesced: z.boolean(),
});
export type ResyncRequestResponse = z.infer<typeof ResyncRequestResponse>;

/** 202 answer to a stored (or duplicate) webhook. */
export const WebhookAccepted = z.strictObject({ id: z.string(), duplicate: z.boolean() });
export type WebhookAccepted = z.infer<typeof WebhookAccepted>;

/** 200 answer to Bitbucket's "Test connection" (`diagnostics:ping`): its time is recorded, nothing is stored. */
export const WebhookPong = z.strictObject({ ping: z.literal(true) });
export type WebhookPong = z.infer<typeof WebhookPong>;

/** 202 answer to an event key the relay does not handle: counted, not stored. */
export const WebhookIgnored = z.strictObject({ ignored: z.literal(true), eventKey: z.string() });
export type WebhookIgnored = z.infer<typeof WebhookIgnored>;

/** Every error the edge returns. */
export const ErrorEnvelope = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string() }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;
