import type { CatalogEntityError } from "../catalog";

/** Port's 422 message (port-api.md §2.8); our detail follows it so that the cause is named. */
export const ROUTE_SCHEMA_MESSAGE = "The json provided does not match the route's schema";

/** Port's 413 message (port-api.md §1). */
export const BODY_TOO_LARGE_MESSAGE = "Request body is too large (limit is 1MiB)";

/** Port's request body limit on every route: 1 MiB. */
export const PORT_MAX_BODY_BYTES = 1024 * 1024;

export function invalidRequest(details: readonly string[]): CatalogEntityError {
  return { status: 422, code: "invalid_request", message: `${ROUTE_SCHEMA_MESSAGE}: ${details.join("; ")}` };
}

export function notFound(message: string): CatalogEntityError {
  return { status: 404, code: "not_found", message };
}

export function hasDependents(
  blueprint: string,
  identifier: string,
  dependents: readonly string[],
): CatalogEntityError {
  const shown =
    dependents.slice(0, 5).join(", ") + (dependents.length > 5 ? `, and ${dependents.length - 5} more` : "");
  return {
    status: 422,
    code: "has_dependents",
    message:
      `Entity "${identifier}" of blueprint "${blueprint}" has dependent entities with a required relation to it (${shown}); ` +
      "delete them first or delete with delete_dependents (deleteDependentEntities: true)",
  };
}

export function payloadTooLarge(bytes: number, limit: number): CatalogEntityError {
  return {
    status: 413,
    code: "payload_too_large",
    message: `${BODY_TOO_LARGE_MESSAGE}: this entity alone is ${bytes} bytes of JSON (limit ${limit}); map fewer or shorter properties`,
  };
}
