import type {
  ChangeOutcome,
  ScopeListing,
  ScopeMode,
  SurveyProblem,
  WebhookListing,
  WebhookPlan,
  WebhookReport,
} from "../../webhooks/index";

/** How `bbrelay webhooks` prints plans, reports and listings for a person (JSON is printed as it is). */

export function formatReport(report: WebhookReport): string {
  const lines = [
    `${report.operation === "sync" ? "Sync" : "Removal"} of "${report.target.name}" → ${report.target.url} (${describeMode(report.mode)})`,
  ];
  for (const scope of report.scopes) {
    if (scope.state === "done") {
      for (const outcome of scope.outcomes) lines.push(`  ${scope.label}: ${describeOutcome(outcome)}`);
    } else {
      lines.push(`  ${scope.label}: ${scope.state}: ${scope.reason}`);
    }
  }
  for (const problem of report.problems) lines.push(`  problem: ${describeProblem(problem)}`);
  const { counts } = report;
  lines.push(
    `${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.removed} removed, ${counts.failed} failed, ${counts.skipped} skipped${report.aborted ? " (aborted)" : ""}`,
  );
  return `${lines.join("\n")}\n`;
}

export function formatPlan(plan: WebhookPlan): string {
  const lines = [
    `Plan (nothing written): "${plan.target.name}" → ${plan.target.url} (${describeMode(plan.mode)}), ${plan.scopesRead} scopes read`,
  ];
  for (const scope of plan.scopes) {
    if (scope.state !== "planned") {
      lines.push(`  ${scope.label}: ${scope.state}: ${scope.reason}`);
      continue;
    }
    for (const change of scope.changes) {
      const text =
        change.action === "create"
          ? "would create"
          : change.action === "update"
            ? `would update #${change.webhookId} (${change.forced ? "forced" : change.drift.join(", ")})`
            : change.action === "delete"
              ? `would delete #${change.webhookId} (${change.reason})`
              : `keeps #${change.webhookId}`;
      lines.push(`  ${scope.label}: ${text}`);
    }
  }
  for (const problem of plan.problems) lines.push(`  problem: ${describeProblem(problem)}`);
  return `${lines.join("\n")}\n`;
}

export function formatListing(listing: WebhookListing): string {
  const lines = [`"${listing.target.name}" → ${listing.target.url} (${describeMode(listing.mode)})`];
  for (const scope of listing.scopes) lines.push(...describeScope(scope));
  for (const problem of listing.problems) lines.push(`  problem: ${describeProblem(problem)}`);
  const s = listing.summary;
  lines.push(
    `${s.present} of ${s.wanted} wanted hooks present, ${s.missing} missing, ${s.drifted} drifted, ${s.healthy} healthy, ${s.failing} failing, ${s.neverDelivered} never delivered, ${s.stray} stray, ${s.failed} unreadable`,
  );
  return `${lines.join("\n")}\n`;
}

function describeScope(scope: ScopeListing): string[] {
  if (scope.state !== "read") return [`  ${scope.label}: ${scope.state}: ${scope.reason}`];
  const lines = scope.hooks.map((hook) => {
    const health =
      hook.health.status === "failing"
        ? `failing (${hook.health.lastOutcome}${hook.health.description === null ? "" : `: ${hook.health.description}`})`
        : hook.health.status;
    const drift = hook.drift.length > 0 ? `, drifted: ${hook.drift.join(", ")}` : "";
    return `  ${scope.label}: #${hook.webhookId} ${hook.ours ? "ours" : "not ours"} "${hook.name}" ${hook.active ? "active" : "inactive"}, ${health}${drift}`;
  });
  if (scope.missing) lines.push(`  ${scope.label}: missing (run \`bbrelay webhooks sync\`)`);
  return lines;
}

function describeOutcome(outcome: ChangeOutcome): string {
  switch (outcome.result) {
    case "created":
      return `created #${outcome.webhookId}`;
    case "updated":
      return `updated #${outcome.webhookId} (${outcome.forced ? "forced" : outcome.drift.join(", ")})`;
    case "unchanged":
      return `unchanged #${outcome.webhookId}`;
    case "removed":
      return `removed #${outcome.webhookId} (${outcome.reason})`;
    case "kept":
      return `kept #${outcome.webhookId} (${outcome.reason})`;
    case "failed":
      return `FAILED to ${outcome.action}${outcome.webhookId === null ? "" : ` #${outcome.webhookId}`}: ${outcome.reason}`;
    case "skipped":
      return `skipped ${outcome.action}: ${outcome.reason}`;
  }
}

function describeProblem(problem: SurveyProblem): string {
  return `${problem.label}: ${problem.reason}`;
}

function describeMode(mode: ScopeMode): string {
  const version = mode.version === null ? "" : `, Bitbucket ${mode.version}`;
  return `${mode.scope} hooks${version}${mode.decidedBy === "override" ? ", set by BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER" : ""}`;
}
