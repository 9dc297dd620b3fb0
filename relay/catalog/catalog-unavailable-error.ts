/**
 * The catalog as a whole failed (not one entity): Port or the local store could not be reached or written, the
 * credentials were refused, or the call was aborted. A resync treats it as a failed run (no deletion); the live
 * path retries the message later.
 */
export type CatalogUnavailableKind =
  | "credentials"
  | "unreachable"
  | "server_error"
  | "unexpected_response"
  | "aborted"
  | "storage";

export class CatalogUnavailableError extends Error {
  override readonly name = "CatalogUnavailableError";
  constructor(
    readonly kind: CatalogUnavailableKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
