/**
 * The `code` of an edge error, on both sides of the wire: what the edge puts in its error envelope
 * (`{ "error": { "code", "message" } }`), and what the agent's edge client names a failure that brought no envelope.
 * The wire keeps `code` a string (a newer edge may add codes); the agent reads an unknown one as `http_error`.
 */
export const EDGE_ERROR_CODES = [
  // Answered by the edge.
  "bad_signature",
  "config_invalid",
  "event_key_mismatch",
  "http_error",
  "internal",
  "invalid_content_length",
  "invalid_json",
  "invalid_payload",
  "invalid_request",
  "invalid_request_id",
  "missing_event_key",
  "not_found",
  "payload_too_large",
  "unauthorized",
  "unknown_tenant",
  // Named by the agent: no answer arrived, the call was cancelled, or the answer is not the protocol's.
  "unreachable",
  "cancelled",
  "invalid_response",
] as const;

export type EdgeErrorCode = (typeof EDGE_ERROR_CODES)[number];

export function isEdgeErrorCode(value: string): value is EdgeErrorCode {
  return (EDGE_ERROR_CODES as readonly string[]).includes(value);
}
