import { KINDS, type Kind } from "../../../shared/mapping-config/schema";
import { type AgentContext, openAgentContext } from "../../agent/agent-context";
import { gitopsOf } from "../../agent/gitops-of";
import { SECRET_ENV_VARS } from "../../config/environment";
import { mappersOfKind } from "../../config/mapping-loader";
import { IntegrationSession } from "../../port-integration/integration-session";
import { formatSummary, verdictLine } from "../../sync/format-resync-summary";
import { runResync } from "../../sync/resync";
import type { Command, CommandContext } from "../command";
import { CONFIG_OPTION, configFlag, parseKind, wantsJson } from "../common-options";
import { edgeClientOf, onEdge } from "../edge-of";
import { UsageError } from "../errors";
import { resyncProgress } from "../progress";

export const resyncCommand: Command = {
  name: "resync",
  summary: "Run one full resync now: list Bitbucket, map, write what changed, delete what disappeared",
  usage: "bbrelay resync [--kind K]... [--dry-run] [--config FILE] [--json] | bbrelay resync --request",
  details: `
Kinds run in the mapping's order. Only entities whose mapped content changed since the last write are written.
Then, if every kind succeeded, entities this integration owns that were not seen are deleted, unless they are
more than entityDeletionThreshold of what it owns. With --kind, only entities of blueprints no other kind writes
can be deleted.

Needs BITBUCKET_URL and credentials (BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_PASSWORD). Writes to Port
with PORT_CLIENT_ID and PORT_CLIENT_SECRET, else to the local catalog (CATALOG_PATH).

Status: succeeded only when every selected entity was written or unchanged; partial when some were not (the
summary counts them by cause, with examples and the fix) or stale entities were left; failed when a kind did
not complete (nothing was deleted then); aborted when interrupted.

Exit codes: 0 succeeded; 1 partial, failed or aborted; 2 configuration.

--request runs nothing here: it asks the running agent (\`bbrelay run\`), through the edge, for a full resync (a
\`resync\` message, coalesced with one already waiting), and needs only RELAY_URL and RELAY_AGENT_TOKEN. Its
progress shows in the agent's log, its console (Sync) and \`bbrelay status\`. Exit 0 queued, 1 the edge failed.

Examples:
  bbrelay resync
  bbrelay resync --kind repository --dry-run`,
  options: {
    kind: { type: "string", multiple: true, valueName: "K", description: `Only this kind: ${KINDS.join(", ")}` },
    "dry-run": { type: "boolean", description: "Write nothing; print the counts and samples of what would change" },
    request: {
      type: "boolean",
      description: "Ask the running agent, through the edge, to resync (queued; nothing runs here)",
    },
    config: CONFIG_OPTION,
    json: { type: "boolean", description: "Print the summary as JSON (the default when stdout is not a terminal)" },
  },
  async run(context) {
    if (context.values.request === true) return requestResync(context);
    const kinds = kindsOf(context);
    const agent = await openAgentContext(context, {
      ...configFlag(context),
      requires: ["bitbucket"],
      ...(context.values["dry-run"] === true ? { integration: "read" as const } : { integration: "register" as const }),
    });
    try {
      if (kinds !== undefined) {
        const missing = kinds.filter((kind) => mappersOfKind(agent.mapping, kind).length === 0);
        if (missing.length > 0)
          throw new UsageError(`${agent.mapping.origin} has no resource of kind ${missing.join(", ")}`);
      }
      const catalog = agent.catalog();
      if (catalog.kind === "port" && agent.blueprints !== null && context.values["dry-run"] !== true) {
        await catalog.ensureBlueprints(agent.blueprints, { signal: context.signal });
      }
      // As Ocean's ONCE listener: a resync run by hand also shows in Port (state, examples), but schedules nothing.
      const session = context.values["dry-run"] === true ? null : oneShotSession(agent, context.env, context.signal);
      const gitops = context.values["dry-run"] === true ? undefined : gitopsOf(agent);
      const run = (signal: AbortSignal) =>
        runResync({
          mapping: agent.mapping,
          client: agent.bitbucket(),
          catalog,
          state: agent.state(),
          fileStore: agent.fileStore(),
          ...(gitops === undefined ? {} : { gitops }),
          logger: context.log,
          dryRun: context.values["dry-run"] === true,
          signal,
          ...(kinds === undefined ? {} : { kinds }),
          ...(session === null ? {} : { onItems: session.onResyncItems }),
          onProgress: resyncProgress({
            stream: context.stderr,
            isTTY: context.stdoutIsTTY && context.log.format === "human",
            log: context.log,
            ...columnsOf(context.stderr),
          }),
        });
      const summary = await (session === null ? run : session.wrapResync(run))(context.signal);
      const json = wantsJson(context);
      if (json) {
        context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        // The verdict also goes to stderr, so that a log of a cron or CI run ends with what happened.
        context.stderr.write(`${verdictLine(summary)}\n`);
      } else {
        context.stdout.write(formatSummary(summary));
      }
      return summary.status === "succeeded" ? 0 : 1;
    } finally {
      await agent.close();
    }
  },
};

function kindsOf(context: CommandContext): Kind[] | undefined {
  const values = context.values.kind;
  if (values === undefined) return undefined;
  const list = (Array.isArray(values) ? values : [values]).map(String);
  return list.map(parseKind);
}

/** `--request`: a resync message at the edge, for whichever agent leases it. */
async function requestResync(context: CommandContext): Promise<number> {
  if (context.values["dry-run"] === true || context.values.kind !== undefined || context.values.config !== undefined)
    throw new UsageError("--request takes no --kind, --dry-run or --config: the running agent resyncs with its own");
  const edge = edgeClientOf(context);
  const answer = await onEdge(() => edge.requestResync());
  context.stdout.write(
    wantsJson(context)
      ? `${JSON.stringify(answer, null, 2)}\n`
      : answer.coalesced
        ? `A resync was already waiting at the edge (message ${answer.id}); this request joined it.\n`
        : `Resync requested: message ${answer.id} is queued at the edge; the running agent will lease it.\n`,
  );
  return 0;
}

/** The Port integration's state and examples around one resync, when the agent is a Port integration. */
function oneShotSession(
  agent: AgentContext,
  env: CommandContext["env"],
  stopSignal: AbortSignal,
): IntegrationSession | null {
  if (agent.integration === null) return null;
  return new IntegrationSession({
    integration: agent.integration,
    engine: agent.engine,
    mapperOptions: { jqEnv: agent.environment.jqEnv },
    requestResync: async () => undefined,
    useMapping: () => undefined,
    schedule: () => ({ intervalMinutes: agent.environment.resyncIntervalMinutes, nextAt: null }),
    log: agent.logger,
    now: Date.now,
    startedAt: Date.now(),
    stopSignal,
    knownSecrets: SECRET_ENV_VARS.map((name) => env[name]).filter(
      (value): value is string => value !== undefined && value !== "",
    ),
  });
}

/** The terminal's width, when the stream is one (the progress line is cut to it). */
function columnsOf(stream: unknown): { columns?: number } {
  if (typeof stream !== "object" || stream === null || !("columns" in stream)) return {};
  return typeof stream.columns === "number" ? { columns: stream.columns } : {};
}
