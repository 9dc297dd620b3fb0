import type { BitbucketClient } from "../bitbucket/client";
import { isBitbucketError } from "../bitbucket/errors";
import type { WebhookWire } from "../bitbucket/schema";
import { mapLimited } from "../concurrency/map-limited";
import { type DriftField, desiredHook, hookDrift } from "./our-hook";
import type { ScopeMode } from "./scope-mode";
import type { ScopeRef, SurveyProblem, SurveyResult } from "./scope-survey";
import type { PlanContext } from "./sync-plan";
import { type WebhookHealth, webhookHealth } from "./webhook-health";

/**
 * What `bbrelay webhooks list` prints and `bbrelay doctor` checks: per scope, our hooks (and, when asked, everyone
 * else's) with their drift and their health from Bitbucket's statistics summary, plus a summary to judge by.
 */

export interface ListedHook {
  webhookId: number;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  ours: boolean;
  /** What a sync would repair (ours only; empty otherwise). */
  drift: DriftField[];
  health: WebhookHealth;
}

export type ScopeListing = ScopeRef &
  (
    | {
        state: "read";
        hooks: ListedHook[] /** hooks that are not ours, listed or not */;
        otherHooks: number /** wanted, and no hook of ours */;
        missing: boolean;
      }
    | { state: "failed"; reason: string; status: number | null }
    | { state: "skipped"; reason: string }
  );

export interface ListingSummary {
  /** Scopes that should have our hook. */
  wanted: number;
  /** Of those, with our hook. */
  present: number;
  missing: number;
  /** Our hooks that a sync would repair (events, URL, inactive, secret…). */
  drifted: number;
  healthy: number;
  failing: number;
  neverDelivered: number;
  unknownHealth: number;
  /** Our hooks where none is wanted (a sync removes them), duplicates included. */
  stray: number;
  /** Scopes that could not be read, and listings that failed. */
  failed: number;
}

export interface WebhookListing {
  mode: ScopeMode;
  target: { name: string; url: string };
  events: { project: string[]; repository: string[] };
  scopes: ScopeListing[];
  scopesRead: number;
  problems: SurveyProblem[];
  aborted: boolean;
  summary: ListingSummary;
}

export interface ListingContext extends Omit<PlanContext, "forceUpdate"> {
  client: Pick<BitbucketClient, "webhooks">;
  includeForeign: boolean;
  concurrency: number;
}

export async function buildListing(
  mode: ScopeMode,
  survey: SurveyResult,
  context: ListingContext,
): Promise<WebhookListing> {
  const scopes = await mapLimited(survey.scopes, context.concurrency, (scope) => listScope(scope, context));
  const shown = scopes.filter(
    (scope) =>
      scope.role.wanted ||
      scope.state === "failed" ||
      (scope.state === "read" ? scope.hooks.length > 0 : scope.reason === "aborted"),
  );
  return {
    mode,
    target: { name: context.target.name, url: context.target.url },
    events: context.events,
    scopes: shown,
    scopesRead: survey.scopes.filter((scope) => scope.state === "read").length,
    problems: survey.problems,
    aborted: survey.aborted,
    summary: summarize(shown, survey.problems),
  };
}

async function listScope(surveyed: SurveyResult["scopes"][number], context: ListingContext): Promise<ScopeListing> {
  if (surveyed.state !== "read") return surveyed;
  const { scope, label, role } = surveyed;
  const shown = surveyed.hooks.filter((hook) => context.includeForeign || context.isOurs(hook));
  const desired = desiredHook(context.target, context.events[scope.type]);
  const hooks = await mapLimited(shown, context.concurrency, async (hook): Promise<ListedHook> => {
    const ours = context.isOurs(hook);
    return {
      webhookId: hook.id,
      name: hook.name,
      url: hook.url,
      events: hook.events,
      active: hook.active,
      ours,
      drift: ours && role.wanted ? await hookDrift(hook, desired, context.target.secret, context.fingerprint) : [],
      health: await healthOf(hook, surveyed.scope, context),
    };
  });
  const ourCount = surveyed.hooks.filter(context.isOurs).length;
  return {
    scope,
    label,
    role,
    state: "read",
    hooks,
    otherHooks: surveyed.hooks.length - ourCount,
    missing: role.wanted && ourCount === 0,
  };
}

async function healthOf(hook: WebhookWire, scope: ScopeRef["scope"], context: ListingContext): Promise<WebhookHealth> {
  try {
    const summary = await context.client.webhooks.statisticsSummary({ scope, webhookId: hook.id });
    return summary === null
      ? { status: "unknown", reason: "the webhook was deleted meanwhile" }
      : webhookHealth(summary);
  } catch (error) {
    if (!isBitbucketError(error)) throw error;
    return { status: "unknown", reason: error.message };
  }
}

function summarize(scopes: readonly ScopeListing[], problems: readonly SurveyProblem[]): ListingSummary {
  const summary: ListingSummary = {
    wanted: 0,
    present: 0,
    missing: 0,
    drifted: 0,
    healthy: 0,
    failing: 0,
    neverDelivered: 0,
    unknownHealth: 0,
    stray: 0,
    failed: problems.length,
  };
  for (const scope of scopes) {
    if (scope.role.wanted) summary.wanted++;
    if (scope.state === "failed") summary.failed++;
    if (scope.state !== "read") continue;
    const ours = scope.hooks.filter((hook) => hook.ours);
    if (scope.role.wanted) summary[ours.length > 0 ? "present" : "missing"]++;
    // In a wanted scope the first hook of ours is the one a sync keeps; any more are duplicates (stray).
    summary.stray += scope.role.wanted ? Math.max(0, ours.length - 1) : ours.length;
    for (const hook of scope.role.wanted ? ours : []) {
      if (hook.drift.length > 0) summary.drifted++;
      if (hook.health.status === "healthy") summary.healthy++;
      else if (hook.health.status === "failing") summary.failing++;
      else if (hook.health.status === "never-delivered") summary.neverDelivered++;
      else summary.unknownHealth++;
    }
  }
  return summary;
}
