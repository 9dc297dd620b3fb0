import type { EdgeErrorCode } from "../../shared/protocol/edge-error-code";
import { type Retryability, retryabilityOfStatus } from "../http/retry";

/**
 * A failed call to the edge, in the shape the edge throws on its side (worker/http/edge-error.ts): the status
 * (null when no answer arrived), the envelope's code (or the agent's own: `unreachable`, `cancelled`,
 * `invalid_response`) and a message that says what to check. Never carries the agent token.
 */
export class EdgeError extends Error {
  override readonly name = "EdgeError";
  constructor(
    readonly status: number | null,
    readonly code: EdgeErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** Whether waiting may help: a 429 or 5xx, or no answer at all; not a rejected token, nor a wrong version. */
  get retryability(): Retryability {
    if (this.code === "unreachable") return "transient";
    if (this.status === null || this.code === "invalid_response") return "final";
    return retryabilityOfStatus(this.status);
  }
}
