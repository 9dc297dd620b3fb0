import type { LoadedMapping } from "../config/mapping-loader";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { JqEngine } from "../mapping/engine";
import type { ResourceMapperOptions } from "../mapping/resource-mapper";
import type { ResyncSummary } from "../sync/resync-summary";
import { sameConfig } from "./mapping-document";
import type { IntegrationContext } from "./open-integration";
import { loadPortMapping } from "./port-mapping";
import { portResyncInterval } from "./port-resync-interval";
import { RawExamples } from "./raw-examples";
import { portStatusOf, ResyncStateReporter } from "./resync-state-reporter";

/**
 * `bbrelay run` as a Port integration, after registration: Ocean's polling listener (every minute: the
 * integration's config, and the resync requests of Port's Resync button), the resync state around every resync, and
 * the raw data examples. A changed config is validated with the file loader before anything uses it: a valid one
 * is put in force and a resync asked for; an invalid one changes nothing (the mapping in force stays, nothing is
 * deleted) and is reported to Port as a failed resync and in the log, once per distinct config.
 */

export interface IntegrationSessionOptions {
  integration: IntegrationContext;
  engine: JqEngine;
  mapperOptions: ResourceMapperOptions;
  /** Asks for a resync through the edge, so it coalesces with the cron's and any pending one. */
  requestResync: (reason: string) => Promise<void>;
  /** Puts a new mapping in force (live events and the next resync). */
  useMapping: (mapping: LoadedMapping) => void;
  /** The interval and the next scheduled resync, for the state Port shows. */
  schedule: () => { intervalMinutes: number | null; nextAt: number | null };
  log: Logger;
  now: () => number;
  /** Port requests older than this were made before the agent started: its first resync covers them. */
  startedAt: number;
  /** Values masked in the examples (the agent's own secrets). */
  knownSecrets: readonly string[];
  /**
   * Aborted when the agent is told to stop (SIGTERM). A resync that ends badly after it is reported `aborted`, as
   * Ocean's cancelled resync: the stop cut its Bitbucket requests short, which the resync itself sees as failures.
   */
  stopSignal?: AbortSignal;
}

export class IntegrationSession {
  readonly #options: IntegrationSessionOptions;
  readonly #reporter: ResyncStateReporter;
  readonly #examples: RawExamples | null;
  #integration: IntegrationContext["integration"];
  #configInForce: Record<string, unknown> | null;
  #rejected: Record<string, unknown> | null = null;
  #requestWatermark: number;

  constructor(options: IntegrationSessionOptions) {
    this.#options = options;
    const { client, settings } = options.integration;
    this.#integration = options.integration.integration;
    this.#configInForce = options.integration.configInForce;
    this.#requestWatermark = options.startedAt;
    this.#reporter = new ResyncStateReporter({
      client,
      log: options.log,
      now: options.now,
      schedule: options.schedule,
    });
    this.#examples = settings.sendRawDataExamples
      ? new RawExamples({ client, log: options.log, knownSecrets: options.knownSecrets })
      : null;
  }

  /** Port's interval for the integration (`spec.appSpec.scheduledResyncInterval`), as last read. */
  get portInterval(): number | null {
    return portResyncInterval(this.#integration);
  }

  /** The config in force when it is Port's, else null (the local mapping is in force). */
  get configInForce(): Record<string, unknown> | null {
    return this.#configInForce;
  }

  /** Each listed page of a resync: the examples for Port's mapping editor. */
  readonly onResyncItems = (kind: Parameters<RawExamples["offer"]>[0], items: Parameters<RawExamples["offer"]>[1]) =>
    this.#examples?.offer(kind, items);

  /** Wraps a resync with Port's resync state: running first, then completed, failed or aborted. */
  wrapResync(run: (signal: AbortSignal) => Promise<ResyncSummary>): (signal: AbortSignal) => Promise<ResyncSummary> {
    return async (signal) => {
      this.#examples?.reset();
      await this.#reporter.running();
      let summary: ResyncSummary;
      try {
        summary = await run(signal);
      } catch (error) {
        await this.#reporter.finished(signal.aborted || this.#stopping() ? "aborted" : "failed");
        throw error;
      }
      await this.#examples?.settled();
      const status = portStatusOf(summary.status);
      await this.#reporter.finished(status !== "completed" && this.#stopping() ? "aborted" : status);
      return summary;
    };
  }

  #stopping(): boolean {
    return this.#options.stopSignal?.aborted === true;
  }

  /** One polling round (Ocean: every 60 s): the config, then the resync request. Never throws. */
  async poll(): Promise<void> {
    const { client } = this.#options.integration;
    try {
      const integration = await client.get();
      if (integration !== null) {
        this.#integration = integration;
        await this.#checkConfig(integration.config ?? null);
      }
    } catch (error) {
      this.#options.log.warn({ error: messageOf(error) }, "Could not read the integration from Port; will retry");
    }
    try {
      const requested = await client.resyncRequest();
      const at = requested === null ? Number.NaN : Date.parse(requested);
      if (!Number.isNaN(at) && at > this.#requestWatermark) {
        this.#requestWatermark = at;
        await this.#options.requestResync("requested in Port");
        this.#options.log.info({ requestedAt: requested }, "Port asked for a resync");
      }
    } catch (error) {
      this.#options.log.warn({ error: messageOf(error) }, "Could not read Port's resync request; will retry");
    }
  }

  async #checkConfig(config: Record<string, unknown> | null): Promise<void> {
    const { integration, log } = this.#options;
    // BBRELAY_MAPPING_SOURCE=file: Port's editor is ignored (the agent warned at start).
    if (integration.settings.mappingSource === "file") return;
    if (config === null || sameConfig(config, this.#configInForce) || sameConfig(config, this.#rejected)) return;
    const loaded = await loadPortMapping(config, integration.client.installationId, {
      engine: this.#options.engine,
      mapperOptions: this.#options.mapperOptions,
    });
    if (loaded.kind === "empty") return;
    if (loaded.kind === "invalid") {
      this.#rejected = config;
      log.error(
        { problems: loaded.problems },
        `${loaded.origin} was changed and is invalid; the mapping in force stays and nothing is deleted: ${loaded.problems.join("; ")}`,
      );
      await this.#reporter.finished("failed");
      return;
    }
    this.#configInForce = config;
    this.#rejected = null;
    this.#options.useMapping(loaded.mapping);
    log.info({}, "Port's mapping changed: it is in force now; asking for a resync with it");
    await this.#options.requestResync("the mapping changed in Port").catch((error: unknown) => {
      log.warn({ error: messageOf(error) }, "Could not ask the edge for a resync after the mapping changed");
    });
  }
}
