import type { Kind } from "../../shared/mapping-config/schema";
import type { EntityKey } from "../catalog/catalog";
import type { GitOpsSummary } from "../gitops/gitops-summary";
import type { MappingWarning } from "../mapping/mapping-result";
import type { FailureCause } from "./failure-cause";

/**
 * What a resync did, per kind and overall: printed at the end of `bbrelay resync`, kept in the agent state for
 * `bbrelay status`, and read as it is by whatever shows a run (a plain JSON value: no classes, no functions).
 *
 * Statuses tell the truth:
 * - `succeeded`: every selected entity was written or unchanged, and the reconcile did what it had to;
 * - `partial`: every kind was listed to its end, but some entities were not written (their failures are in
 *   `failures`), or stale entities could not (or may not) be deleted;
 * - `failed`: a kind did not complete (its listing failed or the catalog as a whole failed); nothing was deleted;
 * - `aborted`: the run was interrupted; nothing was deleted.
 */

export type ResyncStatus = "succeeded" | "partial" | "failed" | "aborted";
export type KindStatus = "succeeded" | "partial" | "failed" | "aborted" | "skipped";

export interface KindSummary {
  kind: Kind;
  /** The resource's position in `resources[]` (a kind may appear several times). */
  resource: number;
  status: KindStatus;
  listed: number;
  selected: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Entities the catalog refused, plus items the mapping failed on (each is in `ResyncSummary.failures`). */
  failed: number;
  /** Search-query identifiers that matched no entity: Port creates nothing for them (as in Ocean). */
  unresolved: number;
  /** Field errors and dropped entities (Port's "misconfigured"), each path in `ResyncSummary.warnings`. */
  warnings: number;
  durationMs: number;
}

/**
 * Failures of one cause, for one kind, blueprint and field: counted, with a few examples and the fix. An entity
 * refused for two fields is in two groups.
 */
export interface FailureGroup {
  cause: FailureCause;
  /** The kind whose run failed, or null for the reconcile's deletes. */
  kind: Kind | null;
  /** The blueprint concerned, when one is. */
  blueprint?: string;
  /** `properties.x`, `relations.y`, or the mapping path (`resources[0].selector.query`) at fault, when known. */
  field?: string;
  count: number;
  /** What the catalog, Bitbucket or jq said (the first one seen). */
  message: string;
  fix: string;
  /** A few of the entities (`blueprint/identifier`) or items concerned. */
  samples: string[];
}

/** Something that did not stop a write but that the operator should see: counted per kind and place. */
export interface WarningGroup {
  kind: Kind | null;
  /**
   * A mapping warning's code, `blueprint-mismatch` (a field that cannot fit the blueprint in force), or
   * `file-unmapped` (a repository file that gave no item: it does not parse, binary, too large; `path` names it).
   */
  code: MappingWarning["code"] | "blueprint-mismatch" | "file-unmapped";
  /** The mapping path, or the blueprint field. */
  path: string;
  count: number;
  example: string;
  fix?: string;
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
  status: ResyncStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  kinds: KindSummary[];
  reconcile: ReconcileSummary;
  /** By cause, most frequent first; empty when the run succeeded. */
  failures: FailureGroup[];
  warnings: WarningGroup[];
  /** Entities declared in repositories' GitOps files (`port.yml`); absent when GitOps is off or in dry and `--kind` runs. */
  gitops?: GitOpsSummary;
  /** Dry runs: examples of what would change. */
  samples?: {
    create: EntityKey[];
    update: EntityKey[];
    delete: EntityKey[];
  };
}
