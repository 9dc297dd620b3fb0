import type { BitbucketClient } from "../bitbucket/client";
import { isBitbucketError } from "../bitbucket/errors";
import type { WebhookWire } from "../bitbucket/schema";
import { mapLimited } from "../concurrency/map-limited";
import type { Logger } from "../log/logger";
import { FINGERPRINT_KEY, webhookInput } from "./our-hook";
import type { PlannedChange, ScopePlan, WebhookPlan } from "./sync-plan";
import { type ChangeOutcome, countOutcomes, type ScopeReport, type WebhookReport } from "./sync-report";

/**
 * Carries out a plan. Scopes run concurrently (bounded), the changes of one scope in order. A failed change is an
 * outcome, never a thrown error.
 *
 * Coverage is never dropped: removals that only exist because another kind of hook replaces them run last, and only
 * where the replacement is in place. Our repository hooks left from before project hooks go only once the project's
 * hook was created or confirmed; our project hook (repository mode) goes only once every repository of the project
 * has ours. Otherwise the removal is reported as `kept` and the next sync tries again.
 */

export interface ApplyContext {
  client: Pick<BitbucketClient, "webhooks">;
  secret: string;
  fingerprint: string;
  concurrency: number;
  logger: Logger;
  signal?: AbortSignal;
}

export async function applyPlan(plan: WebhookPlan, context: ApplyContext): Promise<WebhookReport> {
  const warned = { configurationDropped: false };
  const replacing = (scope: ScopePlan) => !scope.role.wanted && scope.role.reason.startsWith("replaced-by-");
  const firstScopes = plan.scopes.filter((scope) => !replacing(scope));
  const lastScopes = plan.scopes.filter(replacing);
  const first = await mapLimited(firstScopes, context.concurrency, (scope) =>
    applyScope(scope, context, warned, () => null),
  );
  const last = await mapLimited(lastScopes, context.concurrency, (scope) =>
    applyScope(scope, context, warned, () => missingReplacement(scope, plan, first)),
  );
  const reports = new Map<ScopePlan, ScopeReport>([...zip(firstScopes, first), ...zip(lastScopes, last)]);
  const scopes = plan.scopes.map((scope) => {
    const report = reports.get(scope);
    if (report === undefined) throw new Error(`no report for ${scope.label}`);
    return report;
  });
  const aborted = plan.aborted || context.signal?.aborted === true;
  const counts = countOutcomes(scopes, plan.problems);
  return {
    operation: plan.operation,
    mode: plan.mode,
    target: plan.target,
    scopes,
    problems: plan.problems,
    aborted,
    counts,
    ok: counts.failed === 0 && !aborted,
  };
}

function zip<A, B>(left: readonly A[], right: readonly B[]): [A, B][] {
  return left.flatMap((item, index) => {
    const other = right[index];
    return other === undefined ? [] : [[item, other] satisfies [A, B]];
  });
}

/**
 * @param holdBack called before the first removal: why the scope's removals must wait, or null to go ahead
 */
async function applyScope(
  scope: ScopePlan,
  context: ApplyContext,
  warned: { configurationDropped: boolean },
  holdBack: () => string | null,
): Promise<ScopeReport> {
  if (scope.state !== "planned") return scope;
  const { scope: where, label, role } = scope;
  const outcomes: ChangeOutcome[] = [];
  const heldBack = scope.changes.some((change) => change.action === "delete") ? holdBack() : null;
  for (const change of scope.changes) {
    if (change.action === "delete" && heldBack !== null) {
      outcomes.push({ result: "kept", webhookId: change.webhookId, reason: heldBack });
      continue;
    }
    outcomes.push(await applyChange(scope, change, context, warned));
  }
  return { scope: where, label, role, state: "done", outcomes, otherHooks: scope.otherHooks };
}

async function applyChange(
  scope: ScopePlan,
  change: PlannedChange,
  context: ApplyContext,
  warned: { configurationDropped: boolean },
): Promise<ChangeOutcome> {
  if (change.action === "keep") return { result: "unchanged", webhookId: change.webhookId };
  const webhookId = change.action === "create" ? null : change.webhookId;
  if (context.signal?.aborted === true)
    return { result: "skipped", action: change.action, webhookId, reason: "aborted" };
  const { webhooks } = context.client;
  try {
    switch (change.action) {
      case "create": {
        const created = await webhooks.create({
          scope: scope.scope,
          webhook: webhookInput(change.hook, context.secret, context.fingerprint),
        });
        checkConfigurationKept(created, scope, context, warned);
        context.logger.info({ scope: scope.label, webhookId: created.id }, "Webhook created");
        return { result: "created", webhookId: created.id };
      }
      case "update": {
        const webhook = webhookInput(change.hook, context.secret, context.fingerprint);
        const updated = await webhooks.update({ scope: scope.scope, webhookId: change.webhookId, webhook });
        checkConfigurationKept(updated, scope, context, warned);
        context.logger.info(
          { scope: scope.label, webhookId: change.webhookId, drift: change.drift, forced: change.forced },
          "Webhook updated",
        );
        return { result: "updated", webhookId: change.webhookId, drift: change.drift, forced: change.forced };
      }
      case "delete": {
        // false: already gone (deleted by hand meanwhile), which is what was wanted.
        await webhooks.delete({ scope: scope.scope, webhookId: change.webhookId });
        context.logger.info(
          { scope: scope.label, webhookId: change.webhookId, reason: change.reason },
          "Webhook removed",
        );
        return { result: "removed", webhookId: change.webhookId, reason: change.reason };
      }
    }
  } catch (error) {
    if (!isBitbucketError(error)) throw error;
    if (error.kind === "aborted") return { result: "skipped", action: change.action, webhookId, reason: "aborted" };
    context.logger.warn({ scope: scope.label, action: change.action, error: error.message }, "Webhook change failed");
    return { result: "failed", action: change.action, webhookId, reason: error.message, status: error.status };
  }
}

/** @returns why the removals of a replaced hook must wait, or null when its replacement is in place */
function missingReplacement(scope: ScopePlan, plan: WebhookPlan, done: readonly ScopeReport[]): string | null {
  if (scope.role.wanted) return null;
  const projectKey = scope.scope.projectKey;
  if (scope.role.reason === "replaced-by-project-hook") {
    const project = done.find(
      (report) => report.scope.type === "project" && report.scope.projectKey === projectKey && report.role.wanted,
    );
    return project !== undefined && inPlace(project)
      ? null
      : `the webhook of project ${projectKey} is not in place yet`;
  }
  if (plan.problems.some((problem) => problem.projectKey === projectKey)) {
    return `the repositories of project ${projectKey} could not be listed, so their webhooks may be missing`;
  }
  const repositories = done.filter(
    (report) => report.scope.type === "repository" && report.scope.projectKey === projectKey && report.role.wanted,
  );
  const missing = repositories.filter((report) => !inPlace(report)).map((report) => report.label);
  return missing.length === 0
    ? null
    : `not every repository of project ${projectKey} has its webhook yet (${missing.slice(0, 3).join(", ")})`;
}

/** A wanted scope whose hook of ours now exists (created, updated or unchanged). */
function inPlace(report: ScopeReport): boolean {
  return (
    report.state === "done" &&
    report.outcomes.some(
      (outcome) => outcome.result === "created" || outcome.result === "updated" || outcome.result === "unchanged",
    )
  );
}

/**
 * The fingerprint (or a readable secret) is how the next sync tells a rotated secret. A server that drops unknown
 * `configuration` keys makes every sync rewrite the hook: correct, but worth one warning.
 */
function checkConfigurationKept(
  hook: WebhookWire,
  scope: ScopePlan,
  context: ApplyContext,
  warned: { configurationDropped: boolean },
): void {
  const configuration = hook.configuration ?? {};
  if (warned.configurationDropped || FINGERPRINT_KEY in configuration || "secret" in configuration) return;
  warned.configurationDropped = true;
  context.logger.warn(
    { scope: scope.label, webhookId: hook.id },
    "Bitbucket did not keep the secret's fingerprint in the webhook's configuration: every sync will rewrite the webhooks",
  );
}
