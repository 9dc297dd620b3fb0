import { join } from "node:path";
import { Writable } from "node:stream";
import type { AgentContext } from "../agent/agent-context";
import { userAgentOf } from "../catalog/integration-identity";
import { portHttpOf } from "../catalog/port/port-http-of";
import { SECRET_ENV_VARS } from "../config/environment";
import type { LoadedMapping } from "../config/mapping-loader";
import type { LiveAgentOptions } from "../live/live-agent";
import { ScheduledResyncs } from "../live/scheduled-resyncs";
import { Logger } from "../log/logger";
import { IntegrationSession } from "./integration-session";
import { PortLogShipper } from "./port-log-shipper";

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
  /** The agent's stop (SIGTERM/SIGINT): a resync it interrupts shows in Port as aborted. */
  stopSignal?: AbortSignal;
  every?: (ms: number, tick: () => void) => { stop(): void };
}

export interface IntegrationLoop {
  session: IntegrationSession | null;
  scheduled: ScheduledResyncs;
  /** The live agent's hooks: Port's resync state around each resync, the raw data examples. */
  liveHooks: Pick<LiveAgentOptions, "wrapResync" | "onResyncItems">;
  /** One round now (tests; the timer calls the same). */
  tick(): Promise<void>;
  /** Ships the agent's log lines to Port, when Port gave a log ingest URL (null otherwise). */
  logs: PortLogShipper | null;
  start(): void;
  /** Stops the timers and sends the log lines still buffered. */
  stop(): Promise<void>;
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
      ...(options.stopSignal === undefined ? {} : { stopSignal: options.stopSignal }),
      knownSecrets: SECRET_ENV_VARS.map((name) => options.env[name]).filter(
        (value): value is string => value !== undefined && value !== "",
      ),
    });
  }
  const current = session;
  const logs = agent.integration === null ? null : logShipperOf(agent, log);
  const detach = logs === null ? null : log.addSink(logs.accept);
  let busy = false;
  const tick = async () => {
    await current?.poll();
    await scheduled.tick();
  };
  let timer: { stop(): void } | null = null;
  let logTimer: { stop(): void } | null = null;
  return {
    session,
    scheduled,
    liveHooks:
      current === null ? {} : { wrapResync: (run) => current.wrapResync(run), onResyncItems: current.onResyncItems },
    tick,
    logs,
    start() {
      const every = options.every ?? realInterval;
      // Ocean's handler flushes every 5 s (and at 100 lines, which the shipper does itself).
      if (logs !== null) logTimer = every(5_000, () => void logs.flush());
      timer = every(environment.integration.pollIntervalSeconds * 1000, () => {
        // A slow Port must not stack rounds: a tick while one runs is skipped.
        if (busy) return;
        busy = true;
        void tick().finally(() => {
          busy = false;
        });
      });
    },
    async stop() {
      timer?.stop();
      logTimer?.stop();
      detach?.();
      await logs?.flush();
    },
  };
}

function logShipperOf(agent: AgentContext, log: Logger): PortLogShipper | null {
  const ingestUrl = agent.integration?.integration?.logAttributes?.ingestUrl ?? null;
  const port = agent.environment.port;
  if (ingestUrl === null || port === null) return null;
  let failing = false;
  return new PortLogShipper({
    // Its own connection: one try, a short timeout and its own circuit, so a dead ingest host never slows the
    // catalog's writes; and a logger that writes nowhere, so the shipper's requests are not shipped themselves.
    http: portHttpOf(port, {
      userAgent: userAgentOf(agent.identity),
      log: new Logger({ stream: new Writable({ write: (_chunk, _encoding, done) => done() }), format: "json" }),
      maxAttempts: 1,
      requestTimeoutMs: 10_000,
    }),
    ingestUrl,
    onError: (message) => {
      // Once, not once per flush: the lines themselves are kept and shipped when Port is back.
      if (!failing)
        log.warn({ error: message }, "Could not ship log lines to Port; they are kept (bounded) and retried");
      failing = true;
    },
  });
}

function realInterval(ms: number, tick: () => void): { stop(): void } {
  const timer = setInterval(tick, ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
