import type { GitOpsSummary } from "../gitops/gitops-summary";
import type { FailureGroup, ReconcileSummary, ResyncSummary } from "./resync-summary";

const COLUMNS = ["listed", "selected", "created", "updated", "unchanged", "deleted", "failed"] as const;
/** Failure groups printed in full; the rest are counted (the JSON summary has them all). */
const GROUPS_SHOWN = 10;

/**
 * What a person reads at the end of `bbrelay resync` (and in `bbrelay status`): the table per kind, the failures by
 * cause with their fix, the reconcile, and as the last line the verdict ({@link verdictLine}).
 */
export function formatSummary(summary: ResyncSummary): string {
  const out = [...table(summary), ""];
  out.push(...failureLines(summary.failures));
  for (const warning of summary.warnings.slice(0, GROUPS_SHOWN))
    out.push(
      `Warning: ${warning.count} × ${warning.path}: ${warning.example}${warning.fix === undefined ? "" : ` (${warning.fix})`}`,
    );
  out.push(reconcileLine(summary.reconcile));
  if (summary.gitops !== undefined) out.push(...gitopsLines(summary.gitops));
  if (summary.samples !== undefined) {
    for (const [change, keys] of Object.entries(summary.samples)) {
      if (keys.length === 0) continue;
      out.push(`Would ${change}: ${keys.map((key) => `${key.blueprint}/${key.identifier}`).join(", ")}`);
    }
  }
  out.push(verdictLine(summary));
  return `${out.join("\n")}\n`;
}

/** One line that tells the truth about the run: its status, and what went wrong when something did. */
export function verdictLine(summary: ResyncSummary): string {
  const prefix = `${summary.dryRun ? "Dry run: nothing was written. " : ""}Resync ${summary.status} in ${seconds(summary.durationMs)}`;
  const entities = summary.kinds.reduce(
    (sum, kind) => sum + kind.created + kind.updated + kind.unchanged + kind.failed,
    0,
  );
  const failed = summary.kinds.reduce((sum, kind) => sum + kind.failed, 0);
  const misfits = summary.warnings.filter((warning) => warning.code === "blueprint-mismatch").length;
  const causes = [...new Set(summary.failures.map((failure) => failure.cause))].join(", ");
  switch (summary.status) {
    case "succeeded":
      return `${prefix}: ${entities} entities written or unchanged, ${summary.reconcile.deleted} deleted.`;
    case "partial":
      if (failed === 0 && gitopsTrouble(summary.gitops))
        return `${prefix}: GitOps: ${summary.gitops?.invalid ?? 0} invalid file(s), ${summary.gitops?.failed ?? 0} entities refused; fix them (above) and push again.`;
      if (failed === 0 && summary.dryRun && misfits > 0)
        return `${prefix}: ${misfits} mapped field(s) do not fit their blueprints, so the catalog would refuse those entities; fix the warnings above first.`;
      return failed > 0
        ? `${prefix}: ${failed} of ${entities} entities were not written (${causes}); fix the causes above and run it again.`
        : `${prefix}: stale entities were left in the catalog (${summary.reconcile.reason ?? causes}).`;
    case "failed": {
      const unfinished: string[] = summary.kinds.filter((kind) => kind.status === "failed").map((kind) => kind.kind);
      if (summary.gitops?.status === "failed") unfinished.push("GitOps");
      // What stopped the first of them (a dead Bitbucket stops every kind the same way): the line alone says why.
      const stopped = summary.failures.find(
        (failure) => failure.cause === "listing-failed" || failure.cause === "catalog-unavailable",
      );
      const why = stopped === undefined ? causes : `${stopped.cause}: ${stopped.message}`;
      return `${prefix}: ${unfinished.join(", ")} did not complete (${why}); nothing was deleted.`;
    }
    case "aborted":
      return `${prefix}: interrupted; nothing was deleted.`;
  }
}

function gitopsTrouble(gitops: GitOpsSummary | undefined): boolean {
  return gitops !== undefined && (gitops.invalid > 0 || gitops.failed > 0 || gitops.status === "failed");
}

/** GitOps' counts, then each invalid file and refusal (the first few). */
function gitopsLines(gitops: GitOpsSummary): string[] {
  const lines = [
    `GitOps ${gitops.status}: ${gitops.files} file(s) in ${gitops.repositories} repositories; ${gitops.created} created, ${gitops.updated} updated, ${gitops.unchanged} unchanged, ${gitops.deleted} deleted, ${gitops.failed} refused, ${gitops.invalid} invalid file(s).`,
  ];
  for (const { file, reason } of gitops.invalidFiles)
    lines.push(`  GitOps: ${file} is not valid (${reason}); nothing of it was written or deleted.`);
  for (const failure of gitops.failures) lines.push(`  GitOps: ${failure}`);
  return lines;
}

function table(summary: ResyncSummary): string[] {
  const rows = summary.kinds.map((kind) => [
    `${kind.kind}${summary.kinds.filter((other) => other.kind === kind.kind).length > 1 ? `#${kind.resource}` : ""}`,
    kind.status,
    ...COLUMNS.map((column) => String(kind[column])),
    seconds(kind.durationMs),
  ]);
  const header = ["kind", "status", ...COLUMNS, "time"];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join("  ");
  return [line(header), ...rows.map(line)];
}

function failureLines(failures: readonly FailureGroup[]): string[] {
  const out: string[] = [];
  for (const failure of failures.slice(0, GROUPS_SHOWN)) {
    const where = [
      failure.kind,
      failure.blueprint === undefined ? null : `blueprint "${failure.blueprint}"`,
      failure.field,
    ]
      .filter((part): part is string => part !== null && part !== undefined)
      .join(", ");
    out.push(`Failed: ${failure.count} × ${failure.cause} (${where}): ${failure.message}`);
    out.push(`  fix: ${failure.fix}`);
    out.push(`  e.g. ${failure.samples.join(", ")}`);
  }
  if (failures.length > GROUPS_SHOWN)
    out.push(`… and ${failures.length - GROUPS_SHOWN} more kinds of failure (--json shows them all)`);
  return out;
}

function reconcileLine(reconcile: ReconcileSummary): string {
  switch (reconcile.status) {
    case "deleted":
      return `Reconcile: deleted ${reconcile.deleted} stale entities of ${reconcile.owned} owned${reconcile.failed > 0 ? `, ${reconcile.failed} could not be deleted` : ""}${reconcile.protected > 0 ? `, kept ${reconcile.protected} still referenced` : ""}.`;
    case "nothing-to-delete":
      return `Reconcile: nothing stale among ${reconcile.owned} owned entities.`;
    case "refused":
      return `Reconcile refused: ${reconcile.reason ?? ""}`;
    case "dry-run":
      return `Reconcile would delete ${reconcile.deleted} of ${reconcile.owned} owned entities.`;
    case "skipped":
      return `Reconcile skipped: ${reconcile.reason ?? ""}`;
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.round(ms / 1000)}s`;
}
