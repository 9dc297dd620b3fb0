import { openAgentContext } from "../../agent/agent-context";
import { webhookInstallerOf } from "../../agent/webhook-installer-of";
import type { Command, CommandContext, CommandGroup } from "../command";
import { CONFIG_OPTION, configFlag, wantsJson } from "../common-options";
import { formatListing, formatPlan, formatReport } from "./webhooks-output";

const ENVIRONMENT = `
Needs BITBUCKET_URL and credentials with admin rights where hooks go (PROJECT_ADMIN on 8.8+, REPO_ADMIN on 8.7 and
older), RELAY_URL and RELAY_TENANT (the hooks point at <RELAY_URL>/webhooks/<tenant>) and RELAY_WEBHOOK_SECRET (the
tenant's webhook secret, which the hooks carry). BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER=true|false skips the version
detection. Which projects get hooks follows the mapping's project selectors.`;

const shared = {
  config: CONFIG_OPTION,
  json: { type: "boolean", description: "Print JSON (the default when stdout is not a terminal)" },
} as const;

const syncCommand: Command = {
  name: "sync",
  summary: "Install and repair our webhooks in Bitbucket (idempotent; other hooks are never touched)",
  usage: "bbrelay webhooks sync [--dry-run] [--force-update] [--config FILE] [--json]",
  details: `
Bitbucket 8.8 and newer: one webhook per selected project; 8.7 and older: one per repository. Creates what is
missing, updates what drifted (events, URL, inactive, SSL flag, a rotated secret), removes our duplicates and our
hooks where none is wanted any more. Exit 1 if any scope failed.
${ENVIRONMENT}`,
  options: {
    ...shared,
    "dry-run": { type: "boolean", description: "Read only: print what a sync would change" },
    "force-update": {
      type: "boolean",
      description: "Rewrite every hook of ours (e.g. after changing the secret in Bitbucket's UI)",
    },
  },
  async run(context) {
    return withInstaller(context, async (installer) => {
      const options = { forceUpdate: context.values["force-update"] === true };
      if (context.values["dry-run"] === true) {
        const plan = await installer.planSync(options);
        write(context, plan, formatPlan);
        return plan.problems.length === 0 && plan.scopes.every((scope) => scope.state !== "failed") ? 0 : 1;
      }
      const report = await installer.sync(options);
      write(context, report, formatReport);
      return report.ok ? 0 : 1;
    });
  },
};

const listCommand: Command = {
  name: "list",
  summary: "List our webhooks per scope with their drift and health (from Bitbucket's statistics)",
  usage: "bbrelay webhooks list [--all] [--config FILE] [--json]",
  details: ENVIRONMENT,
  options: { ...shared, all: { type: "boolean", description: "Also list other people's hooks in those scopes" } },
  async run(context) {
    return withInstaller(context, async (installer) => {
      const listing = await installer.list({ includeForeign: context.values.all === true });
      write(context, listing, formatListing);
      return listing.summary.failed === 0 && !listing.aborted ? 0 : 1;
    });
  },
};

const removeCommand: Command = {
  name: "remove",
  summary: "Delete our webhooks from every project and repository (and nothing else)",
  usage: "bbrelay webhooks remove [--dry-run] [--config FILE] [--json]",
  details: ENVIRONMENT,
  options: { ...shared, "dry-run": { type: "boolean", description: "Read only: print what would be removed" } },
  async run(context) {
    return withInstaller(context, async (installer) => {
      if (context.values["dry-run"] === true) {
        const plan = await installer.planRemoval();
        write(context, plan, formatPlan);
        return 0;
      }
      const report = await installer.remove();
      write(context, report, formatReport);
      return report.ok ? 0 : 1;
    });
  },
};

export const webhooksGroup: CommandGroup = {
  name: "webhooks",
  summary: "Install, list and remove the webhooks that send Bitbucket's events to the edge",
  commands: [syncCommand, listCommand, removeCommand],
};

async function withInstaller(
  context: CommandContext,
  work: (installer: ReturnType<typeof webhookInstallerOf>) => Promise<number>,
): Promise<number> {
  const agent = await openAgentContext(context, {
    ...configFlag(context),
    requires: ["relay", "bitbucket", "webhook-secret"],
  });
  try {
    return await work(webhookInstallerOf(agent, context.signal));
  } finally {
    await agent.close();
  }
}

function write<T>(context: CommandContext, value: T, human: (value: T) => string): void {
  const json = wantsJson(context);
  context.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : human(value));
}
