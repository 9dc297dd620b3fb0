import { type AgentContext, openAgentContext } from "../../agent/agent-context";
import { webhookInstallerOf } from "../../agent/webhook-installer-of";
import { requireRelay } from "../../config/environment";
import { AgentMonitor } from "../../console/agent-monitor";
import type { ConsoleServer } from "../../console/console-server";
import { resolveListenAddress, startAgentConsole } from "../../console/start-console";
import { EdgeClient } from "../../edge/edge-client";
import { EdgeError } from "../../edge/edge-error";
import { LiveAgent } from "../../live/live-agent";
import { messageOf } from "../../log/message-of";
import { CountingJqEngine } from "../../metrics/counting-engine";
import { RelayMetrics } from "../../metrics/relay-metrics";
import { integrationLoop } from "../../port-integration/integration-loop";
import { agentIdentity } from "../../state/agent-identity";
import type { Command, CommandContext } from "../command";
import { CONFIG_OPTION, configFlag } from "../common-options";
import { CommandFailed, UsageError } from "../errors";

export const runCommand: Command = {
  name: "run",
  summary: "Run the agent: drain the edge's queue live, run resyncs when asked, stop cleanly on SIGTERM",
  usage:
    "bbrelay run [--config FILE] [--concurrency N] [--lease-timeout SECONDS] [--listen ADDR] [--no-initial-resync] [--no-webhooks]",
  details: `
Leases webhook events from the edge (long-poll), re-reads what each one concerns from Bitbucket, writes the
catalog and acks only after the write succeeded. Transient failures are retried with a growing delay; an event
that can never succeed goes to the edge's dead letters with its reason. A \`resync\` message (the edge's Cron
Trigger, or \`POST /agent/v1/{tenant}/resync\`) runs a full resync while events keep flowing.

With RELAY_WEBHOOK_SECRET set, the webhooks in Bitbucket are reconciled at start and after each resync, so new
projects and repositories get theirs (see \`bbrelay webhooks sync --help\`).

HTTP (--listen, BBRELAY_LISTEN; default 127.0.0.1:9464, \`off\` for none): the web console at /, /healthz (the
process is alive), /readyz (mapping loaded, the edge answered within the lease window, Bitbucket reachable; 503
with the reasons otherwise) and /metrics (Prometheus). An address off loopback needs BBRELAY_CONSOLE_TOKEN, which
every page and /metrics then ask for (/healthz and /readyz stay open).

An event without an outcome after BBRELAY_MESSAGE_TIMEOUT seconds (default 300: a call that hangs, a mapping that
does not end) goes to the dead letters with that reason, and its entity's later events go on.

SIGINT/SIGTERM: stop leasing, let what is in flight finish for BBRELAY_DRAIN_TIMEOUT seconds (default 30), then
stop it and give back to the queue, at once, whatever has not finished (even a mapping still running); exit 0. A
crash loses nothing: unacked messages come back to the queue after their visibility timeout.

With Port credentials the agent is a Port integration (bitbucket-server, named by BBRELAY_INSTALLATION_ID): it
registers itself, takes its mapping from Port (unless BBRELAY_MAPPING_SOURCE=file), reads Port's config and Resync
button every BBRELAY_PORT_POLL_INTERVAL seconds, reports each resync's state, sends raw data examples and ships its
log lines to Port. BBRELAY_RESYNC_INTERVAL schedules resyncs from the agent, on top of the edge's cron.

Needs RELAY_URL and RELAY_AGENT_TOKEN (RELAY_TENANT, default "default"), BITBUCKET_URL and its credentials, and
Port credentials or a local catalog (CATALOG_PATH).`,
  options: {
    config: CONFIG_OPTION,
    concurrency: { type: "string", valueName: "N", description: "Messages processed at once (default 8)" },
    "lease-timeout": {
      type: "string",
      valueName: "SECONDS",
      description:
        "How long a leased message stays hidden before it returns to the queue should this agent die (default 60; extended while work goes on)",
    },
    listen: {
      type: "string",
      valueName: "ADDR",
      description:
        "Where the console, /healthz, /readyz and /metrics listen: HOST:PORT or off (default 127.0.0.1:9464)",
    },
    "no-initial-resync": {
      type: "boolean",
      description: "Do not ask for a resync at start when the last one did not succeed (or none has run yet)",
    },
    "no-webhooks": {
      type: "boolean",
      description:
        "Do not reconcile the webhooks in Bitbucket at start and after each resync (done when RELAY_WEBHOOK_SECRET is set)",
    },
  },
  async run(context) {
    const concurrency = positiveInteger(context.values.concurrency, "--concurrency", 8);
    const visibilityMs = positiveInteger(context.values["lease-timeout"], "--lease-timeout", 60) * 1_000;
    const listenFlag = typeof context.values.listen === "string" ? context.values.listen : undefined;
    const metrics = new RelayMetrics();
    const monitor = new AgentMonitor({ metrics });
    const agent = await openAgentContext(context, {
      ...configFlag(context),
      requires: ["relay", "bitbucket"],
      integration: "register",
      instruments: {
        fetch: (service) => monitor.fetchFor(service),
        watch: (service) => monitor.watchFor(service),
        onAttempt: (service, report) => {
          if (report.retryInMs !== null) metrics.httpRetry(service);
        },
        engine: (engine) => {
          const counting = new CountingJqEngine(engine);
          metrics.readJqFrom(() => counting.counts());
          return counting;
        },
      },
    });
    let consoleServer: ConsoleServer | null = null;
    try {
      const relay = requireRelay(agent.environment);
      const address = resolveListenAddress(listenFlag, agent);
      agent.bitbucket();
      const edge = new EdgeClient({ baseUrl: relay.url, tenant: relay.tenant, token: relay.agentToken });
      const syncWebhooks =
        context.values["no-webhooks"] === true || relay.webhookSecret === null ? null : webhookSync(agent, context);
      let live: LiveAgent | null = null;
      const loop = integrationLoop({
        agent,
        env: context.env,
        log: context.log,
        requestResync: async (reason) => {
          const answer = await edge.requestResync();
          context.log.info({ reason, coalesced: answer.coalesced }, "Asked the edge for a resync");
        },
        useMapping: (mapping) => live?.useMapping(mapping),
        stopSignal: context.signal,
      });
      live = new LiveAgent({
        agent,
        edge,
        logger: context.log,
        // A stable id and a new incarnation: after a crash, the edge gives this run the last one's leases at once.
        drain: {
          concurrency,
          visibilityMs,
          observer: monitor.drain,
          agent: agentIdentity(agent.environment.stateDir),
          messageTimeoutMs: agent.environment.messageTimeoutMs,
          graceMs: agent.environment.drainTimeoutMs,
        },
        onResync: (summary) => monitor.resyncFinished(summary),
        ...(syncWebhooks === null ? {} : { afterResync: () => syncWebhooks("after a resync") }),
        ...loop.liveHooks,
      });
      if (address.kind === "listen") {
        consoleServer = await startAgentConsole({
          agent,
          edge,
          monitor,
          address,
          version: context.version,
          logger: context.log,
          // A long-poll holds up to 20 s and the edge client allows 15 s more: a shorter window would flap.
          leaseWindowMs: Math.max(visibilityMs, 20_000) + 15_000,
        });
      }
      context.log.info(
        {
          edge: relay.url,
          tenant: relay.tenant,
          catalog: agent.catalog().kind,
          concurrency,
          webhooks: syncWebhooks !== null,
          console: consoleServer?.url ?? "off",
          mapping: agent.mappingSource,
          resyncIntervalMinutes: loop.scheduled.schedule.intervalMinutes,
        },
        "Agent started",
      );
      if (consoleServer !== null) context.log.info({ url: consoleServer.url }, "Console listening");
      await syncWebhooks?.("at start");
      if (context.values["no-initial-resync"] !== true && agent.state().lastRun()?.status !== "succeeded") {
        // Through the queue, so that it is coalesced with any other pending resync and survives a restart.
        await edge.requestResync().then(
          (answer) => context.log.info({ coalesced: answer.coalesced }, "Asked the edge for a first resync"),
          (error: unknown) => context.log.warn({ error: messageOf(error) }, "Could not ask for a first resync"),
        );
      }
      loop.start();
      const stopping = () => {
        void live.stop();
      };
      context.signal.addEventListener("abort", stopping, { once: true });
      // A signal that arrived while the agent was starting: stop as soon as the loop starts.
      if (context.signal.aborted) stopping();
      try {
        await live.start();
      } catch (error) {
        if (error instanceof EdgeError) throw new CommandFailed(`the edge refused the agent: ${error.message}`);
        throw error;
      } finally {
        await loop.stop();
        context.signal.removeEventListener("abort", stopping);
      }
      context.log.info({ ...live.loop.stats }, "Agent stopped");
      return 0;
    } finally {
      await consoleServer?.close();
      await agent.close();
    }
  },
};

/** Reconciles the webhooks; a failure is logged, never fatal (events already flowing keep flowing). */
function webhookSync(agent: AgentContext, context: CommandContext): (when: string) => Promise<void> {
  const installer = webhookInstallerOf(agent, context.signal);
  return async (when) => {
    try {
      const report = await installer.sync();
      const log = report.ok ? context.log.info.bind(context.log) : context.log.warn.bind(context.log);
      log(
        { when, ...report.counts },
        report.ok ? "Webhooks reconciled" : "Webhooks reconciled with failures (see bbrelay webhooks list)",
      );
    } catch (error) {
      context.log.warn({ when, error: messageOf(error) }, "Could not reconcile the webhooks");
    }
  };
}

export function positiveInteger(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || number > 1_000)
    throw new UsageError(`${flag} must be a whole number from 1 to 1000, got ${JSON.stringify(value)}`);
  return number;
}
