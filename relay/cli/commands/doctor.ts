import { type AgentContext, openAgentContext } from "../../agent/agent-context";
import { CatalogUnavailableError } from "../../catalog/catalog-unavailable-error";
import { type CheckResult, fail } from "../../doctor/check-result";
import { runDoctor } from "../../doctor/run-doctor";
import { FORBIDDEN_FIX, PortIntegrationError } from "../../port-integration/integration-errors";
import type { Command, CommandContext } from "../command";
import { CONFIG_OPTION, configFlag, wantsJson } from "../common-options";
import { ConfigError } from "../errors";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "Check the configuration, Bitbucket, the catalog, the edge and the webhooks, with a fix for each problem",
  usage: "bbrelay doctor [--config FILE] [--json]",
  details: `
One line per check: the configuration (environment, the Port integration with the mapping in force and where it
comes from, the mapping, and the variables the mapping reads through jq's
env that BBRELAY_JQ_ENV must let through), Bitbucket (reachable, version, credentials,
the permissions each configured kind needs), the catalog (reachable, credentials, blueprints, writable, the
mapping's fields in its blueprints), the edge (reachable with the agent's token, Bitbucket's last ping and last
webhook, dead letters) and the webhooks (present, not drifted, healthy according to Bitbucket's statistics).

Exit codes: 0 every check passed (warnings allowed), 1 a check failed.`,
  options: {
    config: CONFIG_OPTION,
    json: {
      type: "boolean",
      description: "Print one JSON object per check (the default when stdout is not a terminal)",
    },
  },
  async run(context) {
    let results: CheckResult[];
    const line = printer(context);
    try {
      const { agent, integrationFailure, portUnreachable } = await openForDoctor(context);
      try {
        if (integrationFailure !== null) line(integrationFailure);
        results = [
          ...(integrationFailure === null ? [] : [integrationFailure]),
          ...(await runDoctor(agent, context.signal, Date.now, line, portUnreachable)),
        ];
      } finally {
        await agent.close();
      }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Configuration problems are what doctor is for: report them as failed checks, not as a usage error.
      // Each problem names what holds it (a variable, a file) unless it already does (the environment's do).
      const named = error.source !== "the environment";
      results = error.problems.map((problem) => ({
        name: `config.${error.kind}`,
        status: "fail",
        message: named ? `${error.source}: ${problem}` : problem,
        fix: "fix the value named, then run bbrelay doctor again",
      }));
      for (const result of results) line(result);
    }
    if (!wantsJson(context)) context.stdout.write(verdict(results));
    return results.some((result) => result.status === "fail") ? 1 : 0;
  },
};

/**
 * The agent as the checks see it: with the integration read from Port (its mapping in force). When Port refuses or
 * cannot be reached, that is a failed check, and the other checks still run with the local mapping.
 */
async function openForDoctor(
  context: CommandContext,
): Promise<{ agent: AgentContext; integrationFailure: CheckResult | null; portUnreachable: string | null }> {
  try {
    return {
      agent: await openAgentContext(context, { ...configFlag(context), integration: "read", diagnostic: true }),
      integrationFailure: null,
      portUnreachable: null,
    };
  } catch (error) {
    if (!(error instanceof PortIntegrationError || error instanceof CatalogUnavailableError)) throw error;
    const integrationFailure = fail(
      "port.integration",
      error.message,
      error instanceof PortIntegrationError && error.kind === "forbidden"
        ? FORBIDDEN_FIX
        : "check PORT_BASE_URL, PORT_CLIENT_ID and PORT_CLIENT_SECRET, then run bbrelay doctor again",
    );
    // A Port that could not be reached is not tried again by the catalog checks (one attempt per dead host).
    const portUnreachable =
      error instanceof CatalogUnavailableError && error.kind === "unreachable" ? error.message : null;
    return {
      agent: await openAgentContext(context, { ...configFlag(context), diagnostic: true }),
      integrationFailure,
      portUnreachable,
    };
  }
}

const MARKS: Record<CheckResult["status"], string> = { ok: "✔", warn: "!", fail: "✘" };

/** The names are aligned on the longest one a check has; results are printed as they come. */
const NAME_WIDTH = "bitbucket.credentials".length;

function printer(context: CommandContext): (result: CheckResult) => void {
  const json = wantsJson(context);
  return (result) => {
    if (json) {
      context.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    context.stdout.write(`${MARKS[result.status]} ${result.name.padEnd(NAME_WIDTH)}  ${result.message}\n`);
    if (result.fix !== undefined && result.status !== "ok")
      context.stdout.write(`  ${" ".repeat(NAME_WIDTH)}  fix: ${result.fix}\n`);
  };
}

function verdict(results: readonly CheckResult[]): string {
  const failed = results.filter((result) => result.status === "fail").length;
  const warned = results.filter((result) => result.status === "warn").length;
  return `\n${failed === 0 ? "All checks passed" : `${failed} check${failed === 1 ? "" : "s"} failed`}${warned > 0 ? `, ${warned} warning${warned === 1 ? "" : "s"}` : ""}.\n`;
}
