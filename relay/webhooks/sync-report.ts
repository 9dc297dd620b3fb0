import type { DriftField } from "./our-hook";
import type { ScopeMode } from "./scope-mode";
import type { RemovalReason, ScopeRef, SurveyProblem } from "./scope-survey";

/**
 * What a sync or a removal did, per scope, as values: a scope that failed is reported here, never thrown, and the
 * caller decides the exit code (`ok` is false when anything failed or the run was aborted).
 */

export type ChangeOutcome =
  | { result: "created"; webhookId: number }
  | { result: "updated"; webhookId: number; drift: DriftField[]; forced: boolean }
  | { result: "unchanged"; webhookId: number }
  | { result: "removed"; webhookId: number; reason: RemovalReason }
  /** A planned removal held back because what replaces the hook is not in place (coverage is never dropped). */
  | { result: "kept"; webhookId: number; reason: string }
  | {
      result: "failed";
      action: "create" | "update" | "delete";
      webhookId: number | null;
      reason: string;
      status: number | null;
    }
  | { result: "skipped"; action: "create" | "update" | "delete"; webhookId: number | null; reason: string };

export type ScopeReport = ScopeRef &
  (
    | { state: "done"; outcomes: ChangeOutcome[]; otherHooks: number }
    | { state: "failed"; reason: string; status: number | null }
    | { state: "skipped"; reason: string }
  );

export interface WebhookCounts {
  created: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Failed changes, scopes that could not be read, and listings that failed. */
  failed: number;
  /** Changes not made (aborted, or a removal held back) and scopes not read. */
  skipped: number;
}

export interface WebhookReport {
  operation: "sync" | "remove";
  mode: ScopeMode;
  target: { name: string; url: string };
  scopes: ScopeReport[];
  problems: SurveyProblem[];
  aborted: boolean;
  counts: WebhookCounts;
  /** Nothing failed and the run was not aborted. */
  ok: boolean;
}

export function countOutcomes(scopes: readonly ScopeReport[], problems: readonly SurveyProblem[]): WebhookCounts {
  const counts: WebhookCounts = {
    created: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    failed: problems.length,
    skipped: 0,
  };
  for (const scope of scopes) {
    if (scope.state === "failed") counts.failed++;
    if (scope.state === "skipped") counts.skipped++;
    if (scope.state !== "done") continue;
    for (const outcome of scope.outcomes) {
      if (outcome.result === "kept") counts.skipped++;
      else counts[outcome.result]++;
    }
  }
  return counts;
}
