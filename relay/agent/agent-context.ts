import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { BitbucketClient } from "../bitbucket/client";
import { BlueprintsInvalidError, parseBlueprints, readBlueprintsFile } from "../catalog/blueprints-file";
import type { Catalog } from "../catalog/catalog";
import { DEFAULT_INTEGRATION_TYPE, type IntegrationIdentity } from "../catalog/integration-identity";
import { LocalCatalog } from "../catalog/local/local-catalog";
import { bundledLocalWriter } from "../catalog/local/local-writer-thread";
import { PortCatalog } from "../catalog/port/port-catalog";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import { ConfigError } from "../config/config-error";
import DEFAULT_BLUEPRINTS from "../config/default-blueprints.json";
import {
  type AgentEnvironment,
  loadEnvironment,
  type RequiredConnection,
  requireBitbucket,
} from "../config/environment";
import { type LoadedMapping, loadMapping, mappingSourceOf } from "../config/mapping-loader";
import { FileStore } from "../files/file-store";
import type { AttemptReport } from "../http/retry";
import type { Logger } from "../log/logger";
import { createMappingEngine } from "../mapping/create-engine";
import type { JqEngine } from "../mapping/engine";
import type { AttemptWatch } from "../metrics/instrumented-fetch";
import { type IntegrationContext, openIntegration } from "../port-integration/open-integration";
import type { MappingSourceKind } from "../port-integration/port-mapping";
import { INTEGRATION_TYPE } from "../port-integration/register-integration";
import { AgentState } from "../state/agent-state";

/**
 * Everything a command works with, built from the environment and flags in one place: the validated environment,
 * the mapping (every jq compiled up front), the Bitbucket client, the catalog (Port with credentials, else the local
 * one), the agent state. Commands ask for what they need; configuration problems surface here, before any work,
 * as ConfigError (exit 2).
 */

export interface AgentContext {
  environment: AgentEnvironment;
  logger: Logger;
  identity: IntegrationIdentity;
  engine: JqEngine;
  mapping: LoadedMapping;
  /** Where the mapping in force came from: Port's integration config, a local file, or the built-in one. */
  mappingSource: MappingSourceKind;
  /** The agent as a Port integration; null without Port credentials, with BBRELAY_PORT_INTEGRATION=false, or not asked for. */
  integration: IntegrationContext | null;
  /** The blueprints from BBRELAY_BLUEPRINTS, or the built-in ones for the built-in mapping; null otherwise. */
  blueprints: Blueprint[] | null;
  bitbucket(): BitbucketClient;
  catalog(): Catalog;
  /** The same catalog, writing as the `gitops` feature (Port's datasource for entities declared in repositories). */
  gitopsCatalog(): Catalog;
  state(): AgentState;
  /** Repository files by commit and the GitOps ledger (relay/files/file-store.ts), next to the agent state. */
  fileStore(): FileStore;
  close(): Promise<void>;
}

/** What the agent needs of the shell that starts it (the CLI's command context is one). */
export interface AgentShell {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  log: Logger;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** bbrelay's version (it names the writer in the catalog's datasource). */
  version: string;
}

export interface OpenAgentContextOptions {
  /** `--config FILE`, when given. */
  configFlag?: string;
  /** The connections the command needs, checked with the rest of the environment. */
  requires?: readonly RequiredConnection[];
  /**
   * With Port credentials: `register` creates or updates the integration and takes its mapping (run, resync); `read`
   * only reads it (doctor, map). Unset: the local mapping, as without Port.
   */
  integration?: "register" | "read";
  /** Injected for tests (Port's integration routes). */
  fetch?: typeof fetch;
  /** Observation hooks (`bbrelay run`'s metrics and health): wrappers around what the context builds. */
  instruments?: AgentInstruments;
  /**
   * Doctor's way of asking: one attempt per request, each within {@link DIAGNOSTIC_REQUESTS}' time limit, so that a
   * diagnosis ends in seconds even when a service accepts connections and never answers (a sync retries instead).
   */
  diagnostic?: boolean;
}

/** One try per request, and a few seconds for each: a diagnosis reports a service that does not answer, at once. */
export const DIAGNOSTIC_REQUESTS = { maxAttempts: 1, requestTimeoutMs: 5_000 } as const;

/** Wrappers that watch the agent's traffic without changing it. */
export interface AgentInstruments {
  /** The fetch the Bitbucket client or the Port catalog uses. */
  fetch?(service: "bitbucket" | "port"): typeof fetch;
  /**
   * Watches each Bitbucket attempt without wrapping fetch; preferred to `fetch("bitbucket")` when given, since the
   * Bitbucket client then sends with undici directly (cheaper in CPU than fetch).
   */
  watch?(service: "bitbucket"): AttemptWatch;
  /** Told of every attempt of a Bitbucket or Port request (retries included). */
  onAttempt?(service: "bitbucket" | "port", report: AttemptReport): void;
  /** The jq engine the mapping compiles with. */
  engine?(engine: JqEngine): JqEngine;
}

export async function openAgentContext(
  context: AgentShell,
  options: OpenAgentContextOptions = {},
): Promise<AgentContext> {
  const environment = loadEnvironment({
    env: context.env,
    cwd: context.cwd,
    homeDir: homedir(),
    ...(options.requires === undefined ? {} : { requires: options.requires }),
    files: { exists: existsSync, mappingFlag: options.configFlag !== undefined },
  });
  const configFlag = options.configFlag === undefined ? undefined : resolve(context.cwd, options.configFlag);
  for (const note of environment.aliasNotes) context.log.info({}, `Environment: ${note}`);
  const source = mappingSourceOf(configFlag, environment.mappingPath);
  const instruments = options.instruments ?? {};
  const requests: Partial<typeof DIAGNOSTIC_REQUESTS> = options.diagnostic === true ? DIAGNOSTIC_REQUESTS : {};
  const created = createMappingEngine({ logger: context.log, jqTimeoutMs: environment.jqTimeoutMs });
  const engine = instruments.engine?.(created) ?? created;
  const mapperOptions = { jqEnv: environment.jqEnv };
  let mapping: LoadedMapping;
  try {
    mapping = await loadMapping({ source, engine, mapperOptions });
  } catch (error) {
    await engine.close();
    throw error;
  }
  let blueprints: Blueprint[] | null;
  try {
    blueprints = loadBlueprints(environment, source.kind === "default");
  } catch (error) {
    // The engine holds a worker: left open, the command would print its problem and never exit.
    await engine.close();
    throw error;
  }
  const identity: IntegrationIdentity = {
    // In Port the agent is a `bitbucket-server` integration, as Ocean's: the same datasource, so an Ocean
    // installation's entities (same installation id) are its own. The local catalog keeps its own type.
    integrationType: environment.port === null ? DEFAULT_INTEGRATION_TYPE : INTEGRATION_TYPE,
    version: context.version.replace(/[^A-Za-z0-9._@+=:-]/g, "-"),
    installationId: environment.installationId,
    feature: "exporter",
  };
  const logger = context.log;
  let client: BitbucketClient | null = null;
  let catalog: Catalog | null = null;
  let state: AgentState | null = null;
  const catalogOf = () => {
    catalog ??= openCatalog(environment, identity, logger, blueprints, instruments, requests);
    return catalog;
  };
  // A closure, so TypeScript does not narrow `catalog` to null here (catalogOf may have opened it).
  const closeCatalog = async () => {
    await catalog?.close();
  };
  let integration: IntegrationContext | null = null;
  let mappingSource: MappingSourceKind = source.kind === "default" ? "default" : "file";
  if (environment.port !== null && environment.integration.enabled && options.integration !== undefined) {
    try {
      const opened = await openIntegration({
        port: environment.port,
        settings: environment.integration,
        identity,
        mode: options.integration,
        localMapping: mapping,
        localSource: source,
        engine,
        mapperOptions,
        catalog: catalogOf,
        blueprints,
        log: logger,
        signal: context.signal,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(requests.maxAttempts === undefined ? {} : { requests: DIAGNOSTIC_REQUESTS }),
      });
      integration = opened.context;
      mapping = opened.mapping;
      mappingSource = opened.context.mappingSource;
    } catch (error) {
      await closeCatalog();
      await engine.close();
      throw error;
    }
  }
  let fileStore: FileStore | null = null;
  let gitopsCatalog: Catalog | null = null;
  return {
    environment,
    logger,
    identity,
    engine,
    mapping,
    mappingSource,
    integration,
    blueprints,
    bitbucket() {
      if (client === null) {
        const settings = requireBitbucket(environment);
        client = BitbucketClient.fromConfig(
          {
            baseUrl: settings.baseUrl,
            auth: settings.auth,
            limits: { maxConcurrency: environment.bitbucketConcurrency, ...requests },
          },
          {
            logger,
            signal: context.signal,
            ...(instruments.watch !== undefined
              ? { watch: instruments.watch("bitbucket") }
              : instruments.fetch === undefined
                ? {}
                : { fetch: instruments.fetch("bitbucket") }),
            ...(instruments.onAttempt === undefined
              ? {}
              : { onAttempt: (report: AttemptReport) => instruments.onAttempt?.("bitbucket", report) }),
          },
        );
      }
      return client;
    },
    catalog: catalogOf,
    gitopsCatalog() {
      gitopsCatalog ??= openCatalog(
        environment,
        { ...identity, feature: "gitops" },
        logger,
        blueprints,
        instruments,
        requests,
      );
      return gitopsCatalog;
    },
    state() {
      state ??= AgentState.open(join(environment.stateDir, "state.sqlite"));
      return state;
    },
    fileStore() {
      fileStore ??= FileStore.open(join(environment.stateDir, "files.sqlite"));
      return fileStore;
    },
    async close() {
      state?.close();
      fileStore?.close();
      await gitopsCatalog?.close();
      await catalog?.close();
      await engine.close();
    },
  };
}

function loadBlueprints(environment: AgentEnvironment, builtInMapping: boolean): Blueprint[] | null {
  try {
    if (environment.blueprintsPath !== null) return readBlueprintsFile(environment.blueprintsPath);
    return builtInMapping ? parseBlueprints(DEFAULT_BLUEPRINTS, "the built-in blueprints") : null;
  } catch (error) {
    if (error instanceof BlueprintsInvalidError)
      throw new ConfigError("blueprints", error.problems, `BBRELAY_BLUEPRINTS (${error.source})`);
    throw error;
  }
}

/**
 * Port when its credentials are set, else the local catalog. The local catalog always knows some blueprints: the
 * file's, else the built-in ones (a custom mapping then gets Port's own errors for fields its blueprints lack,
 * which says to set BBRELAY_BLUEPRINTS).
 */
function openCatalog(
  environment: AgentEnvironment,
  identity: IntegrationIdentity,
  logger: Logger,
  blueprints: Blueprint[] | null,
  instruments: AgentInstruments,
  requests: Partial<typeof DIAGNOSTIC_REQUESTS>,
): Catalog {
  if (environment.port !== null) {
    return new PortCatalog({
      ...requests,
      ...(instruments.fetch === undefined ? {} : { fetch: instruments.fetch("port") }),
      ...(instruments.onAttempt === undefined
        ? {}
        : { onAttempt: (report: AttemptReport) => instruments.onAttempt?.("port", report) }),
      baseUrl: environment.port.baseUrl,
      clientId: environment.port.clientId,
      clientSecret: environment.port.clientSecret,
      identity,
      log: logger,
    });
  }
  return LocalCatalog.open({
    path: environment.catalogPath,
    identity,
    blueprints: blueprints ?? DEFAULT_BLUEPRINTS,
    // The exporter writes the bulk (a resync's 100,000 entities) off the agent's thread; GitOps writes a few.
    writerThread: identity.feature === "exporter" ? bundledLocalWriter() : null,
  });
}
