import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { BitbucketClient } from "../bitbucket/client";
import { BlueprintsInvalidError, parseBlueprints, readBlueprintsFile } from "../catalog/blueprints-file";
import type { Catalog } from "../catalog/catalog";
import { DEFAULT_INTEGRATION_TYPE, type IntegrationIdentity } from "../catalog/integration-identity";
import { LocalCatalog } from "../catalog/local/local-catalog";
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
import type { Logger } from "../log/logger";
import { createMappingEngine } from "../mapping/create-engine";
import type { JqEngine } from "../mapping/engine";
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
  /** The blueprints from BBRELAY_BLUEPRINTS, or the built-in ones for the built-in mapping; null otherwise. */
  blueprints: Blueprint[] | null;
  bitbucket(): BitbucketClient;
  catalog(): Catalog;
  state(): AgentState;
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
  });
  const configFlag = options.configFlag === undefined ? undefined : resolve(context.cwd, options.configFlag);
  const source = mappingSourceOf(configFlag, environment.mappingPath);
  const engine = createMappingEngine({ logger: context.log });
  let mapping: LoadedMapping;
  try {
    mapping = await loadMapping({ source, engine, mapperOptions: { jqEnv: environment.jqEnv } });
  } catch (error) {
    await engine.close();
    throw error;
  }
  const blueprints = loadBlueprints(environment, source.kind === "default");
  const identity: IntegrationIdentity = {
    integrationType: DEFAULT_INTEGRATION_TYPE,
    version: context.version.replace(/[^A-Za-z0-9._@+=:-]/g, "-"),
    installationId: environment.installationId,
    feature: "exporter",
  };
  const logger = context.log;
  let client: BitbucketClient | null = null;
  let catalog: Catalog | null = null;
  let state: AgentState | null = null;
  return {
    environment,
    logger,
    identity,
    engine,
    mapping,
    blueprints,
    bitbucket() {
      if (client === null) {
        const settings = requireBitbucket(environment);
        client = BitbucketClient.fromConfig(
          { baseUrl: settings.baseUrl, auth: settings.auth },
          { logger, signal: context.signal },
        );
      }
      return client;
    },
    catalog() {
      catalog ??= openCatalog(environment, identity, logger, blueprints);
      return catalog;
    },
    state() {
      state ??= AgentState.open(join(environment.stateDir, "state.sqlite"));
      return state;
    },
    async close() {
      state?.close();
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
      throw new ConfigError(error.problems, `BBRELAY_BLUEPRINTS (${error.source})`);
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
): Catalog {
  if (environment.port !== null) {
    return new PortCatalog({
      baseUrl: environment.port.baseUrl,
      clientId: environment.port.clientId,
      clientSecret: environment.port.clientSecret,
      identity,
      log: logger,
    });
  }
  return LocalCatalog.open({ path: environment.catalogPath, identity, blueprints: blueprints ?? DEFAULT_BLUEPRINTS });
}
