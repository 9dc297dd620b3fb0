import type { Catalog } from "../catalog/catalog";
import { type IntegrationIdentity, userAgentOf } from "../catalog/integration-identity";
import { portHttpOf } from "../catalog/port/port-http-of";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import { ConfigError } from "../config/config-error";
import type { IntegrationSettings, PortSettings } from "../config/environment";
import type { LoadedMapping, MappingSource } from "../config/mapping-loader";
import type { Logger } from "../log/logger";
import type { JqEngine } from "../mapping/engine";
import type { ResourceMapperOptions } from "../mapping/resource-mapper";
import type { PortIntegration } from "./integration-schema";
import { configObjectOf } from "./mapping-document";
import { PortIntegrationClient } from "./port-integration-client";
import { loadPortMapping, type MappingSourceKind } from "./port-mapping";
import { type Registration, registerIntegration } from "./register-integration";

/** The agent as a Port integration: what `bbrelay run` keeps polling, and what doctor and status show. */
export interface IntegrationContext {
  client: PortIntegrationClient;
  settings: IntegrationSettings;
  registration: Registration["outcome"];
  /** The integration as read (or created) at start; null when it does not exist and was not created. */
  integration: PortIntegration | null;
  /** Where the mapping in force came from. */
  mappingSource: MappingSourceKind;
  /** Port's config when it is the mapping in force (a later poll compares against it), else null. */
  configInForce: Record<string, unknown> | null;
}

export interface OpenIntegrationOptions {
  port: PortSettings;
  settings: IntegrationSettings;
  identity: IntegrationIdentity;
  /** `register`: create or update the integration (run, resync); `read`: only look (doctor, status, map). */
  mode: "register" | "read";
  localMapping: LoadedMapping;
  localSource: MappingSource;
  engine: JqEngine;
  mapperOptions: ResourceMapperOptions;
  catalog: () => Catalog;
  blueprints: readonly Blueprint[] | null;
  log: Logger;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Tries and time limit per request to Port (doctor asks once, briefly); production's by default. */
  requests?: { maxAttempts: number; requestTimeoutMs: number };
}

/**
 * Registers the integration (or reads it) and decides the mapping in force: Port's config, as in Ocean, unless
 * `BBRELAY_MAPPING_SOURCE=file` says the local one wins; the local one also when Port's is empty. An invalid config
 * in Port at start is a configuration error naming every problem (there is no earlier mapping to keep), reported to
 * Port as a failed resync so its page says so too.
 * @throws ConfigError, PortIntegrationError, CatalogUnavailableError
 */
export async function openIntegration(
  options: OpenIntegrationOptions,
): Promise<{ context: IntegrationContext; mapping: LoadedMapping }> {
  const { identity, log, settings, signal } = options;
  const http = portHttpOf(options.port, {
    userAgent: userAgentOf(identity),
    log,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...options.requests,
  });
  const client = new PortIntegrationClient(http, identity.installationId);
  const register = options.mode === "register" && settings.initializePortResources;
  const registration = await registerIntegration({
    client,
    version: identity.version,
    seedConfig: () => configObjectOf(options.localSource),
    create: register,
    log,
    ...(signal === undefined ? {} : { signal }),
  });
  if (register && options.blueprints !== null) {
    for (const result of await options.catalog().ensureBlueprints(options.blueprints, signal ? { signal } : {})) {
      if (result.result === "created")
        log.info({ blueprint: result.identifier }, "Created a missing blueprint in Port");
      if (result.result === "failed")
        log.warn({ blueprint: result.identifier, error: result.error.message }, "Could not create a blueprint in Port");
    }
  }
  const localSource: MappingSourceKind = options.localSource.kind === "default" ? "default" : "file";
  const base = { client, settings, registration: registration.outcome, integration: registration.integration };
  if (settings.mappingSource === "file") {
    log.warn(
      { mapping: options.localMapping.origin },
      "BBRELAY_MAPPING_SOURCE=file: the local mapping is in force and edits in Port's data-source editor are ignored",
    );
    return { context: { ...base, mappingSource: localSource, configInForce: null }, mapping: options.localMapping };
  }
  const config = registration.integration?.config ?? null;
  const loaded = await loadPortMapping(config, identity.installationId, {
    engine: options.engine,
    mapperOptions: options.mapperOptions,
  });
  if (loaded.kind === "empty") {
    if (registration.integration !== null)
      log.warn(
        { mapping: options.localMapping.origin },
        "Port's integration has no mapping yet; using the local one (set it in Port's data-source page)",
      );
    return { context: { ...base, mappingSource: localSource, configInForce: null }, mapping: options.localMapping };
  }
  if (loaded.kind === "invalid") {
    if (options.mode === "register") {
      await client
        .reportResyncState({ status: "failed", nextResync: null, intervalInMinuets: null }, signal)
        .catch(() => undefined);
    }
    throw new ConfigError(
      "mapping",
      [
        ...loaded.problems,
        "fix it in Port's data-source editor, or set BBRELAY_MAPPING_SOURCE=file to use a local file",
      ],
      loaded.origin,
    );
  }
  log.info({ installationId: identity.installationId }, "The mapping in force is Port's integration config");
  return { context: { ...base, mappingSource: "port", configInForce: config }, mapping: loaded.mapping };
}
