import type { AgentContext } from "../agent/agent-context";
import { type GitOpsServices, gitopsOf } from "../agent/gitops-of";
import type { LoadedMapping } from "../config/mapping-loader";
import type { EdgeClient } from "../edge/edge-client";
import { LiveFiles } from "../files/live-files";
import type { Logger } from "../log/logger";
import { entityWriterFor } from "../sync/entity-writer";
import { type ResyncOptions, runResync } from "../sync/resync";
import type { ResyncSummary } from "../sync/resync-summary";
import { DrainLoop, type DrainLoopOptions } from "./drain-loop";
import { LiveEntitySync } from "./live-entity-sync";
import { LiveHandler } from "./live-handler";
import { ResyncCoordinator } from "./resync-coordinator";

/**
 * `bbrelay run` assembled: the drain loop over the edge, the live handler, and the resync coordinator. Live events
 * and resyncs write through the same EntityWriter rules (so they skip and record writes the same way).
 */

/** What the live agent takes of the agent's context: the mapping, the connections it writes through, and GitOps's. */
export type LiveAgentServices = Pick<AgentContext, "mapping" | "bitbucket" | "catalog" | "state" | "fileStore"> &
  GitOpsServices;

export interface LiveAgentOptions {
  agent: LiveAgentServices;
  edge: EdgeClient;
  logger: Logger;
  drain?: Omit<DrainLoopOptions, "edge" | "handler" | "logger">;
  afterResync?: (summary: ResyncSummary) => Promise<void>;
  /** Told of every resync's summary, whatever its status (metrics); it must not throw. */
  onResync?: (summary: ResyncSummary) => void;
  /** Wraps every resync (Port's resync state: running before, the outcome after). */
  wrapResync?: (
    run: (signal: AbortSignal) => Promise<ResyncSummary>,
  ) => (signal: AbortSignal) => Promise<ResyncSummary>;
  /** Each resync's listed pages (the raw data examples sent to Port). */
  onResyncItems?: ResyncOptions["onItems"];
}

export class LiveAgent {
  readonly loop: DrainLoop;
  readonly resyncs: ResyncCoordinator;
  #mapping: LoadedMapping;
  #handler: LiveHandler;
  readonly #build: (mapping: LoadedMapping) => LiveHandler;

  constructor(options: LiveAgentOptions) {
    const { agent, logger } = options;
    const catalog = agent.catalog();
    const state = agent.state();
    const client = agent.bitbucket();
    this.#mapping = agent.mapping;
    const gitops = gitopsOf(agent);
    const run = async (signal: AbortSignal) => {
      const summary = await runResync({
        // The mapping in force when the resync starts: a new one from Port applies from the next resync.
        mapping: this.#mapping,
        client,
        catalog,
        state,
        fileStore: agent.fileStore(),
        ...(gitops === undefined ? {} : { gitops }),
        logger: logger.child({ component: "resync" }),
        signal,
        ...(options.onResyncItems === undefined ? {} : { onItems: options.onResyncItems }),
      });
      options.onResync?.(summary);
      return summary;
    };
    this.resyncs = new ResyncCoordinator(options.wrapResync === undefined ? run : options.wrapResync(run));
    this.#build = (mapping) =>
      new LiveHandler({
        client,
        mapping,
        sync: new LiveEntitySync({ mapping, writer: entityWriterFor(mapping, catalog, state) }),
        files: new LiveFiles({
          client,
          mapping,
          writer: entityWriterFor(mapping, catalog, state),
          store: agent.fileStore(),
          ...(gitops === undefined ? {} : { gitops }),
          logger,
        }),
        resyncs: this.resyncs,
        logger,
        ...(options.afterResync === undefined ? {} : { afterResync: options.afterResync }),
      });
    this.#handler = this.#build(this.#mapping);
    // The loop asks for the handler of the mapping in force at each message, so a mapping swap needs no restart.
    this.loop = new DrainLoop({
      edge: options.edge,
      handler: { handle: (message, signal) => this.#handler.handle(message, signal) },
      logger,
      ...options.drain,
    });
  }

  /** The mapping in force: live events and the next resync use it. */
  get mapping(): LoadedMapping {
    return this.#mapping;
  }

  /** Puts a new mapping in force (Port's editor changed it): the next message and the next resync use it. */
  useMapping(mapping: LoadedMapping): void {
    this.#mapping = mapping;
    this.#handler = this.#build(mapping);
  }

  /** Runs until `stop()`; rejects with an EdgeError the agent cannot recover from by waiting. */
  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
