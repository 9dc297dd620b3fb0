import type { AgentContext } from "../agent/agent-context";
import { ConfigError } from "../config/config-error";
import type { Logger } from "../log/logger";
import { liveItemSource } from "../mapping/live-item-source";
import type { AgentMonitor } from "./agent-monitor";
import { consoleApp } from "./console-app";
import { type ConsoleServer, startConsoleServer } from "./console-server";
import type { ConsoleEdge } from "./console-sources";
import { DEFAULT_LISTEN, type ListenAddress, parseListenAddress } from "./listen-address";

/**
 * The listener's address: `--listen` over BBRELAY_LISTEN over 127.0.0.1:9464. Off loopback it needs
 * BBRELAY_CONSOLE_TOKEN: the console shows the catalog and can redrive and resync.
 * @throws ConfigError naming the setting and the fix
 */
export function resolveListenAddress(
  flag: string | undefined,
  agent: Pick<AgentContext, "environment">,
): ListenAddress {
  const setting = flag === undefined ? (agent.environment.listen === null ? null : "BBRELAY_LISTEN") : "--listen";
  const parsed = parseListenAddress(flag ?? agent.environment.listen ?? DEFAULT_LISTEN);
  if (parsed.kind === "invalid")
    throw new ConfigError("environment", [`${setting ?? "the listen address"}: ${parsed.problem}`]);
  if (parsed.kind === "listen" && !parsed.loopback && agent.environment.consoleToken === null)
    throw new ConfigError("environment", [
      `${setting ?? "the listen address"}: ${parsed.host} is not a loopback address, and BBRELAY_CONSOLE_TOKEN is not set: set a long random token (the console then asks for it), or listen on 127.0.0.1`,
    ]);
  return parsed;
}

export interface AgentConsoleOptions {
  agent: AgentContext;
  edge: ConsoleEdge;
  monitor: AgentMonitor;
  address: Extract<ListenAddress, { kind: "listen" }>;
  version: string;
  logger: Logger;
  leaseWindowMs: number;
  /** How often the edge's stats are read for the metrics and the console. */
  edgeStatsIntervalMs?: number;
}

/** Starts the listener and the edge-stats timer; `close()` stops both. */
export async function startAgentConsole(options: AgentConsoleOptions): Promise<ConsoleServer> {
  const { agent, monitor, logger } = options;
  const app = consoleApp({
    version: options.version,
    logger,
    monitor,
    mapping: agent.mapping,
    catalog: agent.catalog(),
    state: agent.state(),
    edge: options.edge,
    leaseWindowMs: options.leaseWindowMs,
    liveItems: (mapper, limit, signal) =>
      liveItemSource(agent.bitbucket(), limit, logger.child({ component: "console" })).items(mapper, signal),
    token: agent.environment.consoleToken,
  });
  const server = await startConsoleServer(app, options.address.host, options.address.port);
  const poller = monitor.pollEdge(() => options.edge.stats(), options.edgeStatsIntervalMs ?? 15_000);
  return {
    url: server.url,
    async close() {
      poller.stop();
      await server.close();
    },
  };
}
