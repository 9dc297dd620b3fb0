import type { Catalog } from "../catalog/catalog";
import type { LoadedMapping } from "../config/mapping-loader";
import type { EdgeClient } from "../edge/edge-client";
import type { Logger } from "../log/logger";
import type { Json } from "../mapping/engine";
import type { ResourceMapper } from "../mapping/resource-mapper";
import type { AgentState } from "../state/agent-state";
import type { AgentMonitor } from "./agent-monitor";

/** The part of the edge client the console uses (tests may pass an in-memory edge). */
export type ConsoleEdge = Pick<EdgeClient, "stats" | "deadLetters" | "redrive" | "requestResync" | "dropDeadLetters">;

/** Everything the console reads: what the running agent already keeps. It writes nothing but through the edge. */
export interface ConsoleSources {
  version: string;
  logger: Logger;
  monitor: AgentMonitor;
  mapping: LoadedMapping;
  catalog: Catalog;
  state: AgentState;
  edge: ConsoleEdge;
  /** The lease window: `/readyz` wants an answer from the edge within it. */
  leaseWindowMs: number;
  /** The first items of a resource, read live from Bitbucket as a resync reads them (the Mapping page). */
  liveItems(mapper: ResourceMapper, limit: number, signal: AbortSignal): AsyncIterable<Json>;
  /** BBRELAY_CONSOLE_TOKEN, or null (then only a loopback listener is allowed). */
  token: string | null;
  now?: () => number;
}
