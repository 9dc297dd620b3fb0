import { join } from "node:path";
import type { AgentContext } from "../agent/agent-context";
import { SECRET_ENV_VARS } from "../config/environment";
import type { LoadedMapping } from "../config/mapping-loader";
import type { LiveAgentOptions } from "../live/live-agent";
import { ScheduledResyncs } from "../live/scheduled-resyncs";
import type { Logger } from "../log/logger";
import { IntegrationSession } from "./integration-session";

/**
 * What `bbrelay run` adds to the live agent besides draining the edge: the resyncs it schedules itself (with or
 * without Port) and, as a Port integration, the polling session. One timer drives both, every
 * `BBRELAY_PORT_POLL_INTERVAL` seconds; a round never overlaps the previous one.
 */

export interface IntegrationLoopOptions {
  agent: AgentContext;
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  requestResync: (reason: string) => Promise<void>;
  /** Set once the live agent exists (the session puts Port's new mappings in force through it). */
  useMapping: (mapping: LoadedMapping) => void;
  now?: () => number;
  every?: (ms: number, tick: () => void) => { stop(): void };
}

export interface IntegrationLoop {
  session: IntegrationSession | null;
  scheduled: ScheduledResyncs;
  /** The live agent's hooks: Port's resync state around each resync, the raw data examples. */
  liveHooks: Pick<LiveAgentOptions, "wrapResync" | "onResyncItems">;
  /** One round now (tests; the timer calls the same). */
  tick(): Promise<void>;
  start(): void;
  stop(): void;
}

export function integrationLoop(options: IntegrationLoopOptions): IntegrationLoop {
  const { agent, log } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const environment = agent.environment;
  let session: IntegrationSession | null = null;
  const scheduled = new ScheduledResyncs({
    interval: () => environment.resyncIntervalMinutes ?? session?.portInterval ?? null,
    startedAt,
    now,
    request: options.requestResync,
    log,
    statePath: join(environment.stateDir, "schedule.json"),
  });
  if (agent.integration !== null) {
    session = new IntegrationSession({
      integration: agent.integration,
      engine: agent.engine,
      mapperOptions: { jqEnv: environment.jqEnv },
      requestResync: options.requestResync,
      useMapping: options.useMapping,
      schedule: () => scheduled.schedule,
      log,
      now,
      startedAt,
      knownSecrets: SECRET_ENV_VARS.map((name) => options.env[name]).filter(
        (value): value is string => value !== undefined && value !== "",
      ),
    });
  }
  const current = session;
  let busy = false;
  const tick = async () => {
    await current?.poll();
    await scheduled.tick();
  };
  let timer: { stop(): void } | null = null;
  return {
    session,
    scheduled,
    liveHooks:
      current === null ? {} : { wrapResync: (run) => current.wrapResync(run), onResyncItems: current.onResyncItems },
    tick,
    start() {
      const every = options.every ?? realInterval;
      timer = every(environment.integration.pollIntervalSeconds * 1000, () => {
        // A slow Port must not stack rounds: a tick while one runs is skipped.
        if (busy) return;
        busy = true;
        void tick().finally(() => {
          busy = false;
        });
      });
    },
    stop() {
      timer?.stop();
    },
  };
}

function realInterval(ms: number, tick: () => void): { stop(): void } {
  const timer = setInterval(tick, ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
