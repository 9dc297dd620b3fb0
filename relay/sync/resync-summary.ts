import type { Kind } from "../../shared/mapping-config/schema";
import type { EntityKey } from "../catalog/catalog";

/** What a resync did, per kind and overall: printed at the end, kept in the agent state for `bbrelay status`. */

export interface KindSummary {
  kind: Kind;
  /** The resource's position in `resources[]` (a kind may appear several times). */
  resource: number;
  status: "succeeded" | "failed" | "aborted" | "skipped";
  listed: number;
  selected: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Entities the catalog refused, plus mapping errors for the kind. */
  failed: number;
  /** Field errors and dropped entities (Port's "misconfigured"). */
  warnings: number;
  durationMs: number;
  /** The first errors, for the operator (a listing failure, a selector error, a refused entity). */
  errors: string[];
}

export interface ReconcileSummary {
  status: "deleted" | "nothing-to-delete" | "refused" | "dry-run" | "skipped";
  reason?: string;
  owned: number;
  deleted: number;
  failed: number;
  protected: number;
  durationMs: number;
}

export interface ResyncSummary {
  runId: number;
  dryRun: boolean;
  status: "succeeded" | "failed" | "aborted";
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  kinds: KindSummary[];
  reconcile: ReconcileSummary;
  /** Dry runs: examples of what would change. */
  samples?: {
    create: EntityKey[];
    update: EntityKey[];
    delete: EntityKey[];
  };
}

const COLUMNS = ["listed", "selected", "created", "updated", "unchanged", "deleted", "failed"] as const;

/** A table a person reads at the end of `bbrelay resync`. */
export function formatSummary(summary: ResyncSummary): string {
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
  const out = [line(header), ...rows.map(line)];
  const { reconcile } = summary;
  out.push("");
  out.push(
    `${summary.dryRun ? "Dry run: nothing was written. " : ""}Resync ${summary.status} in ${seconds(summary.durationMs)}.`,
  );
  const reconcileLine: Record<ReconcileSummary["status"], string> = {
    deleted: `Reconcile: deleted ${reconcile.deleted} stale entities of ${reconcile.owned} owned${reconcile.failed > 0 ? `, ${reconcile.failed} could not be deleted` : ""}${reconcile.protected > 0 ? `, kept ${reconcile.protected} still referenced` : ""}.`,
    "nothing-to-delete": `Reconcile: nothing stale among ${reconcile.owned} owned entities.`,
    refused: `Reconcile refused: ${reconcile.reason ?? ""}`,
    "dry-run": `Reconcile would delete ${reconcile.deleted} of ${reconcile.owned} owned entities.`,
    skipped: `Reconcile skipped: ${reconcile.reason ?? ""}`,
  };
  out.push(reconcileLine[reconcile.status]);
  for (const kind of summary.kinds) {
    for (const error of kind.errors) out.push(`  ${kind.kind}: ${error}`);
  }
  if (summary.samples !== undefined) {
    for (const [change, keys] of Object.entries(summary.samples)) {
      if (keys.length === 0) continue;
      out.push(`Would ${change}: ${keys.map((key) => `${key.blueprint}/${key.identifier}`).join(", ")}`);
    }
  }
  return `${out.join("\n")}\n`;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${Math.round(ms / 1000)}s`;
}
