import { z } from "zod";
import { messageOf } from "../../log/message-of";
import type { BlueprintResult, CatalogCheck, CheckOptions } from "../catalog";
import { CatalogUnavailableError } from "../catalog-unavailable-error";
import { Blueprint } from "../port-rules/blueprint";
import { entityErrorOf } from "./port-entity-error";
import type { PortHttp } from "./port-http";

/**
 * Creates the blueprints Port lacks (port-api.md §3), leaving existing ones untouched: Port's copy may have been
 * edited on purpose. They are created without relations first and get their relations in a second pass, so that
 * relation targets exist whatever the order (and cycles work).
 */
export async function ensurePortBlueprints(
  http: PortHttp,
  blueprints: readonly Blueprint[],
  signal?: AbortSignal,
): Promise<BlueprintResult[]> {
  const results = new Map<string, BlueprintResult>();
  const created: Blueprint[] = [];
  for (const blueprint of blueprints) {
    const path = `/blueprints/${encodeURIComponent(blueprint.identifier)}`;
    const existing = await http.request("GET", path, { signal });
    if (existing.status === 200) {
      results.set(blueprint.identifier, { result: "exists", identifier: blueprint.identifier });
      continue;
    }
    if (existing.status !== 404) {
      results.set(blueprint.identifier, {
        result: "failed",
        identifier: blueprint.identifier,
        error: entityErrorOf(existing),
      });
      continue;
    }
    const response = await http.request("POST", "/blueprints", {
      body: JSON.stringify({ ...blueprint, relations: {} }),
      signal,
    });
    if (response.status === 200 || response.status === 201) {
      results.set(blueprint.identifier, { result: "created", identifier: blueprint.identifier });
      created.push(blueprint);
    } else {
      results.set(blueprint.identifier, {
        result: "failed",
        identifier: blueprint.identifier,
        error: entityErrorOf(response),
      });
    }
  }
  for (const blueprint of created) {
    if (Object.keys(blueprint.relations).length === 0) continue;
    const response = await http.request("PATCH", `/blueprints/${encodeURIComponent(blueprint.identifier)}`, {
      body: JSON.stringify({ relations: blueprint.relations }),
      signal,
    });
    if (response.status !== 200) {
      results.set(blueprint.identifier, {
        result: "failed",
        identifier: blueprint.identifier,
        error: entityErrorOf(response),
      });
    }
  }
  return blueprints.map(
    (blueprint) => results.get(blueprint.identifier) ?? { result: "exists", identifier: blueprint.identifier },
  );
}

const BlueprintResponse = z.looseObject({ blueprint: Blueprint });

/**
 * Port's blueprint (`GET /v1/blueprints/{id}`), read with the same permissive schema as a blueprints file.
 * @returns null when Port has no such blueprint
 * @throws CatalogUnavailableError when Port answers anything else
 */
export async function readPortBlueprint(
  http: PortHttp,
  identifier: string,
  signal?: AbortSignal,
): Promise<Blueprint | null> {
  const response = await http.request("GET", `/blueprints/${encodeURIComponent(identifier)}`, { signal });
  if (response.status === 404) return null;
  const parsed = response.status === 200 ? BlueprintResponse.safeParse(response.body) : null;
  if (parsed === null || !parsed.success)
    throw new CatalogUnavailableError(
      "unexpected_response",
      `reading blueprint "${identifier}" from Port failed: HTTP ${response.status}${parsed?.success === false ? ` (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})` : ""}`,
    );
  return parsed.data.blueprint;
}

/** An entity that fails every blueprint's checks harmlessly: Port only validates it (`validation_only=true`). */
const PROBE = JSON.stringify({ identifier: "bbrelay-doctor-probe", properties: {}, relations: {} });

/**
 * `doctor`'s checks of Port: reachable and credentials (a token), the mapped blueprints exist, and writing is
 * allowed (an upsert with `validation_only=true`, which writes nothing: any answer but 401/403 means the
 * credentials may write). Never throws.
 */
export async function checkPort(http: PortHttp, location: string, options: CheckOptions): Promise<CatalogCheck[]> {
  const checks: CatalogCheck[] = [];
  try {
    await http.authenticate(options.signal);
    checks.push({ check: "reachable", ok: true, message: `Port API ${location} answers` });
    checks.push({ check: "credentials", ok: true, message: "Port accepted the client credentials" });
  } catch (error) {
    if (error instanceof CatalogUnavailableError && error.kind === "credentials") {
      checks.push({ check: "reachable", ok: true, message: `Port API ${location} answers` });
      checks.push({
        check: "credentials",
        ok: false,
        message: error.message,
        fix: "set PORT_CLIENT_ID and PORT_CLIENT_SECRET to the machine credentials from Port (Builder → Credentials), and PORT_BASE_URL to your region",
      });
    } else {
      checks.push({
        check: "reachable",
        ok: false,
        message: messageOf(error),
        fix: "check PORT_BASE_URL (https://api.getport.io for EU, https://api.us.getport.io for US), DNS, the proxy and the firewall",
      });
    }
    return checks;
  }
  try {
    const missing: string[] = [];
    for (const identifier of options.blueprints) {
      const response = await http.request("GET", `/blueprints/${encodeURIComponent(identifier)}`, {
        signal: options.signal,
      });
      if (response.status !== 200) missing.push(identifier);
    }
    checks.push(
      missing.length === 0
        ? { check: "blueprints", ok: true, message: `all ${options.blueprints.length} mapped blueprints exist in Port` }
        : {
            check: "blueprints",
            ok: false,
            message: `blueprints missing in Port: ${missing.join(", ")}`,
            fix: "create them in Port, or let the agent create them from the blueprints file",
          },
    );
    const first = options.blueprints.find((identifier) => !missing.includes(identifier));
    if (first !== undefined) {
      const response = await http.request("POST", `/blueprints/${encodeURIComponent(first)}/entities`, {
        query: { upsert: true, validation_only: true },
        body: PROBE,
        signal: options.signal,
      });
      checks.push(
        response.status === 403 || response.status === 401
          ? {
              check: "writable",
              ok: false,
              message: `Port refused a validation-only write to "${first}" (HTTP ${response.status})`,
              fix: "give the credentials' role write access to the mapped blueprints (an admin or the integration's machine credentials)",
            }
          : {
              check: "writable",
              ok: true,
              message: `the credentials may write to "${first}" (validation-only probe, nothing written)`,
            },
      );
    }
  } catch (error) {
    checks.push({
      check: "blueprints",
      ok: false,
      message: messageOf(error),
      fix: "retry; if it persists, check Port's status page",
    });
  }
  return checks;
}
