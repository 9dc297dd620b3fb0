import type { LeasedMessage } from "../../shared/protocol/schema";
import { backoffDelay } from "../http/backoff";

/** What the agent tells the edge about a message once it is done with it. */
export type MessageOutcome =
  /** Processed and written: remove it from the queue. */
  | { action: "ack" }
  /** A transient failure (Bitbucket or the catalog unreachable, rate limited): lease it again after the delay. */
  | { action: "retry"; delayMs: number; reason: string }
  /** It can never succeed (a payload that names nothing, an entity the catalog refuses): park it with the reason. */
  | { action: "dead"; reason: string };

export interface MessageHandler {
  /**
   * Processes one leased message. Returns an outcome for every expected failure; a throw is a bug and is retried
   * with a delay (never acked). `signal` is aborted when the agent shuts down and the grace period is over.
   */
  handle(message: LeasedMessage, signal: AbortSignal): Promise<MessageOutcome>;
}

/**
 * Backoff for retried messages: the edge counts attempts, so the delay grows with them (5 s, 10 s, 20 s … capped at
 * 10 minutes) and the edge dead-letters the message after its maximum attempts.
 */
export function retryDelayMs(attempts: number, baseMs = 5_000, maxMs = 600_000): number {
  return backoffDelay(attempts, { baseMs, maxMs, jitter: "none" });
}
