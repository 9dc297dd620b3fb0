import { homedir } from "node:os";
import { join } from "node:path";
import type { QueueStats } from "../../../shared/protocol/schema";
import { loadEnvironment } from "../../config/environment";
import { EdgeClient } from "../../edge/edge-client";
import type { ScheduleRecord } from "../../live/scheduled-resyncs";
import { messageOf } from "../../log/message-of";
import { describeIntegration, readIntegrationStatus, readSchedule } from "../../port-integration/integration-status";
import { AgentState, type RunRecord } from "../../state/agent-state";
import { formatSummary } from "../../sync/format-resync-summary";
import type { ResyncSummary } from "../../sync/resync-summary";
import type { Command } from "../command";
import { wantsJson } from "../common-options";

export const statusCommand: Command = {
  name: "status",
  summary: "Show the edge's queue figures, the Port integration and its resync state, and this agent's resyncs",
  usage: "bbrelay status [--json]",
  details: `
The edge's figures need RELAY_URL and RELAY_AGENT_TOKEN; the last resync comes from the agent's state
(BBRELAY_STATE_DIR), and so does the next resync \`bbrelay run\` scheduled (BBRELAY_RESYNC_INTERVAL). With Port
credentials it shows the integration in Port: its version, the mapping in force (Port's config, or a local file)
with a version that changes with every edit, and the resync state Port shows. Exit 1 when the edge cannot be
reached.`,
  options: { json: { type: "boolean", description: "Print JSON (the default when stdout is not a terminal)" } },
  async run(context) {
    const environment = loadEnvironment({ env: context.env, cwd: context.cwd, homeDir: homedir() });
    let edge: QueueStats | { error: string } | null = null;
    if (environment.relay !== null) {
      const client = new EdgeClient({
        baseUrl: environment.relay.url,
        tenant: environment.relay.tenant,
        token: environment.relay.agentToken,
      });
      edge = await client.stats().catch((error: unknown) => ({ error: messageOf(error) }));
    }
    const state = AgentState.open(join(environment.stateDir, "state.sqlite"));
    let lastResync: RunRecord | null;
    try {
      lastResync = state.lastRun("resync");
    } finally {
      state.close();
    }
    const integration = await readIntegrationStatus({ environment, version: context.version, log: context.log });
    const schedule = readSchedule(environment.stateDir);
    if (wantsJson(context)) {
      context.stdout.write(`${JSON.stringify({ edge, lastResync, nextResync: schedule, integration }, null, 2)}\n`);
    } else {
      context.stdout.write(
        `${describeEdge(edge)}\n${describeIntegration(integration)}\n${describeSchedule(schedule)}\n${describeResync(lastResync)}`,
      );
    }
    return edge !== null && "error" in edge ? 1 : 0;
  },
};

function describeEdge(edge: QueueStats | { error: string } | null): string {
  if (edge === null) return "Edge: RELAY_URL is not set.";
  if ("error" in edge) return `Edge: unreachable: ${edge.error}`;
  const at = (value: number | null) => (value === null ? "never" : new Date(value).toISOString());
  const c = edge.counters;
  return [
    `Edge, tenant ${edge.tenant}: ${edge.backlog} waiting (${edge.delayed} delayed), ${edge.inFlight} in flight, ${edge.deadLetters} dead letters${edge.resyncPending ? ", a resync pending" : ""}`,
    `  oldest message: ${edge.oldestMessageAgeMs === null ? "none" : `${Math.round(edge.oldestMessageAgeMs / 1000)} s old`}; last webhook ${at(edge.lastWebhookAt)}; last ping ${at(edge.lastPingAt)}; last agent contact ${at(edge.lastAgentContactAt)}`,
    `  received ${c.received}, duplicates ${c.duplicates}, ignored ${c.ignored}, bad signatures ${c.badSignatures}, dropped ${c.dropped}, acked ${c.acked}, retried ${c.retried}, expired ${c.expired}, dead ${c.dead}`,
  ].join("\n");
}

function describeSchedule(schedule: ScheduleRecord | null): string {
  if (schedule === null || schedule.intervalMinutes === null)
    return "Next scheduled resync: none (BBRELAY_RESYNC_INTERVAL is not set; the edge's cron still runs).";
  return `Next scheduled resync: ${schedule.nextResyncAt ?? "?"} (every ${schedule.intervalMinutes} min, as planned by bbrelay run at ${schedule.writtenAt})`;
}

function describeResync(run: RunRecord | null): string {
  if (run === null) return "Last resync: none yet.\n";
  const header = `Last resync: #${run.id} ${run.status}, started ${new Date(run.startedAt).toISOString()}\n`;
  if (run.summary === null) return header;
  // The summary is what this agent wrote into its own state file after the run; runs recorded before failures and
  // warnings were grouped have neither.
  const recorded = run.summary as ResyncSummary;
  const summary = { ...recorded, failures: recorded.failures ?? [], warnings: recorded.warnings ?? [] };
  return `${header}${formatSummary(summary)}`;
}
