import type { AgentContext } from "../agent/agent-context";
import type { EdgeClient } from "../edge/edge-client";
import type { Logger } from "../log/logger";
import { entityWriterFor } from "../sync/entity-writer";
import { runResync } from "../sync/resync";
import type { ResyncSummary } from "../sync/resync-summary";
import { DrainLoop, type DrainLoopOptions } from "./drain-loop";
import { LiveEntitySync } from "./live-entity-sync";
import { LiveHandler } from "./live-handler";
import { ResyncCoordinator } from "./resync-coordinator";

/**
 * `bbrelay run` assembled: the drain loop over the edge, the live handler, and the resync coordinator. Live events
 * and resyncs write through the same EntityWriter rules (so they skip and record writes the same way).
 */

export interface LiveAgentOptions {
  agent: AgentContext;
  edge: EdgeClient;
  logger: Logger;
  drain?: Omit<DrainLoopOptions, "edge" | "handler" | "logger">;
  afterResync?: (summary: ResyncSummary) => Promise<void>;
  /** Told of every resync's summary, whatever its status (metrics); it must not throw. */
  onResync?: (summary: ResyncSummary) => void;
}

export class LiveAgent {
  readonly loop: DrainLoop;
  readonly resyncs: ResyncCoordinator;

  constructor(options: LiveAgentOptions) {
    const { agent, logger } = options;
    const catalog = agent.catalog();
    const state = agent.state();
    const client = agent.bitbucket();
    const writer = entityWriterFor(agent.mapping, catalog, state);
    this.resyncs = new ResyncCoordinator(async (signal) => {
      const summary = await runResync({
        mapping: agent.mapping,
        client,
        catalog,
        state,
        logger: logger.child({ component: "resync" }),
        signal,
      });
      options.onResync?.(summary);
      return summary;
    });
    const handler = new LiveHandler({
      client,
      mapping: agent.mapping,
      sync: new LiveEntitySync({ mapping: agent.mapping, writer }),
      resyncs: this.resyncs,
      logger,
      ...(options.afterResync === undefined ? {} : { afterResync: options.afterResync }),
    });
    this.loop = new DrainLoop({ edge: options.edge, handler, logger, ...options.drain });
  }

  /** Runs until `stop()`; rejects with an EdgeError the agent cannot recover from by waiting. */
  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
