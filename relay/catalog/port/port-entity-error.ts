import type { CatalogEntityError, CatalogErrorCode } from "../catalog";
import type { PortResponse } from "./port-http";
import { PortErrorBody } from "./port-schema";

const KNOWN_CODES: readonly CatalogErrorCode[] = [
  "not_found",
  "invalid_request",
  "conflict",
  "has_dependents",
  "payload_too_large",
  "bad_request",
];

function isKnownCode(code: string | undefined): code is CatalogErrorCode {
  return KNOWN_CODES.some((known) => known === code);
}

/** @returns our code for Port's: Port's own when we know it, else the one its status means */
export function errorCodeOf(status: number, portCode: string | undefined): CatalogErrorCode {
  if (isKnownCode(portCode)) return portCode;
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 413) return "payload_too_large";
  if (status === 422) return "invalid_request";
  return "bad_request";
}

/** @returns a per-entity error from a Port error response, with Port's message (Port's code kept when it is not ours) */
export function entityErrorOf(response: PortResponse): CatalogEntityError {
  const body = PortErrorBody.safeParse(response.body);
  const portCode = body.success ? body.data.error : undefined;
  const code = errorCodeOf(response.status, portCode);
  const message = body.success ? (body.data.message ?? body.data.error) : undefined;
  const text =
    message ??
    (typeof response.body === "string" && response.body.length > 0
      ? response.body.slice(0, 300)
      : `HTTP ${response.status}`);
  return {
    status: response.status,
    code,
    message: portCode !== undefined && portCode !== code ? `${portCode}: ${text}` : text,
  };
}
