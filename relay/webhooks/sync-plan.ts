import type { WebhookWire } from "../bitbucket/schema";
import { type DesiredHook, type DriftField, desiredHook, hookDrift } from "./our-hook";
import type { WebhookTarget } from "./schema";
import type { ScopeMode } from "./scope-mode";
import type { RemovalReason, ScopeRef, SurveyedScope, SurveyProblem, SurveyResult } from "./scope-survey";

/**
 * The plan of a sync or a removal: per scope, what would be created, updated (and why), kept or deleted. A plan is
 * plain data without the secret, so `--dry-run` can print it and logs can carry it; `WebhookInstaller.apply` carries
 * it out. In a wanted scope the best of our hooks (least drift, then lowest id) is kept and repaired, and any other
 * hook of ours there is a duplicate.
 */

export type PlannedChange =
  | { action: "create"; hook: DesiredHook }
  | { action: "update"; webhookId: number; hook: DesiredHook; drift: DriftField[]; forced: boolean }
  | { action: "keep"; webhookId: number }
  | { action: "delete"; webhookId: number; reason: RemovalReason };

export type ScopePlan = ScopeRef &
  (
    | { state: "planned"; changes: PlannedChange[] /** hooks that are not ours (never touched) */; otherHooks: number }
    | { state: "failed"; reason: string; status: number | null }
    | { state: "skipped"; reason: string }
  );

export interface WebhookPlan {
  operation: "sync" | "remove";
  mode: ScopeMode;
  target: { name: string; url: string };
  /** What our hooks subscribe to, per scope type. */
  events: { project: string[]; repository: string[] };
  /**
   * Scopes where something is wanted, to change, or that failed. Scopes merely looked at (not wanted, nothing of
   * ours) are only counted in `scopesRead`.
   */
  scopes: ScopePlan[];
  scopesRead: number;
  problems: SurveyProblem[];
  aborted: boolean;
}

export interface PlanContext {
  target: WebhookTarget;
  events: { project: string[]; repository: string[] };
  fingerprint: string;
  isOurs: (hook: WebhookWire) => boolean;
  /** A sync deletes these (Ocean's hooks, when taking over from Ocean); a removal leaves them. */
  isReplaced?: (hook: WebhookWire) => boolean;
  /** Rewrite every hook of ours even when nothing looks different (a secret changed in Bitbucket's UI). */
  forceUpdate: boolean;
}

export async function planChanges(
  operation: WebhookPlan["operation"],
  mode: ScopeMode,
  survey: SurveyResult,
  context: PlanContext,
): Promise<WebhookPlan> {
  const planned: ScopePlan[] = [];
  for (const scope of survey.scopes) planned.push(await planScope(scope, context));
  return {
    operation,
    mode,
    target: { name: context.target.name, url: context.target.url },
    events: context.events,
    scopes: planned.filter(worthReporting),
    scopesRead: survey.scopes.filter((scope) => scope.state === "read").length,
    problems: survey.problems,
    aborted: survey.aborted,
  };
}

/** Wanted, something to change, failed, or cut short: a scope merely looked at is only counted. */
function worthReporting(scope: ScopePlan): boolean {
  if (scope.role.wanted || scope.state === "failed") return true;
  return scope.state === "planned" ? scope.changes.length > 0 : scope.reason === "aborted";
}

async function planScope(surveyed: SurveyedScope, context: PlanContext): Promise<ScopePlan> {
  const ref: ScopeRef = { scope: surveyed.scope, label: surveyed.label, role: surveyed.role };
  if (surveyed.state === "failed") return { ...ref, state: "failed", reason: surveyed.reason, status: surveyed.status };
  if (surveyed.state === "skipped") return { ...ref, state: "skipped", reason: surveyed.reason };
  const ours = surveyed.hooks.filter(context.isOurs);
  const replaced = surveyed.hooks.filter((hook) => !context.isOurs(hook) && context.isReplaced?.(hook) === true);
  const replacements = replaced.map(
    (hook): PlannedChange => ({ action: "delete", webhookId: hook.id, reason: "ocean-hook" }),
  );
  const otherHooks = surveyed.hooks.length - ours.length - replaced.length;
  const role = surveyed.role;
  if (!role.wanted) {
    return {
      ...ref,
      state: "planned",
      otherHooks,
      changes: [
        ...ours.map((hook): PlannedChange => ({ action: "delete", webhookId: hook.id, reason: role.reason })),
        ...replacements,
      ],
    };
  }
  const desired = desiredHook(context.target, context.events[surveyed.scope.type]);
  if (ours.length === 0)
    return { ...ref, state: "planned", otherHooks, changes: [{ action: "create", hook: desired }, ...replacements] };
  const { target, fingerprint } = context;
  const candidates = await Promise.all(
    ours.map(async (hook) => ({ hook, drift: await hookDrift(hook, desired, target.secret, fingerprint) })),
  );
  candidates.sort((a, b) => a.drift.length - b.drift.length || a.hook.id - b.hook.id);
  const [best, ...duplicates] = candidates;
  if (best === undefined) throw new Error("a scope with hooks of ours has a best one");
  const keep: PlannedChange =
    best.drift.length > 0 || context.forceUpdate
      ? { action: "update", webhookId: best.hook.id, hook: desired, drift: best.drift, forced: best.drift.length === 0 }
      : { action: "keep", webhookId: best.hook.id };
  const removals = duplicates.map(
    ({ hook }): PlannedChange => ({ action: "delete", webhookId: hook.id, reason: "duplicate" }),
  );
  return { ...ref, state: "planned", otherHooks, changes: [keep, ...removals, ...replacements] };
}
