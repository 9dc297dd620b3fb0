import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { EdgeErrorCode } from "../../shared/protocol/edge-error-code";
import type { ErrorEnvelope } from "../../shared/protocol/schema";
import { logEvent } from "../log";

/**
 * Every expected failure of a request: a status, a stable machine code and a message that says what was wrong
 * and how to fix it (never a secret). The agent's edge client throws the same shape (relay/edge/edge-error.ts):
 * status, code, message. Thrown from anywhere in a handler; {@link renderError} turns it into the
 * one error envelope, `{ "error": { "code", "message" } }`.
 */
export class EdgeError extends HTTPException {
  readonly code: EdgeErrorCode;

  constructor(
    status: ContentfulStatusCode,
    code: EdgeErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
    this.code = code;
  }
}

/** The app's single `onError`. Unexpected errors become a 500 without details; the details go to the log. */
export function renderError(error: Error, c: Context): Response {
  if (error instanceof EdgeError) {
    return c.json(envelope(error.code, error.message), error.status, error.headers);
  }
  if (error instanceof HTTPException) {
    return c.json(envelope("http_error", error.message || "request refused"), error.status);
  }
  logEvent("error", "unhandled error in a request", {
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    error: error.message,
  });
  return c.json(envelope("internal", "the edge failed to handle this request; see the Worker's logs"), 500);
}

export function envelope(code: EdgeErrorCode, message: string): ErrorEnvelope {
  return { error: { code, message } };
}
