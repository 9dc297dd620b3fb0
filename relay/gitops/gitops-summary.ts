/** What GitOps did in a resync (or a push): part of the resync's summary, shown by `bbrelay resync` and `doctor`. */
export interface GitOpsSummary {
  /** `skipped` when GitOps is off; `partial` when a file was invalid or an entity refused; `failed` when the run stopped. */
  status: "succeeded" | "partial" | "failed" | "skipped";
  /** Repositories looked at, and GitOps files found in them. */
  repositories: number;
  files: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Entities the catalog refused (each with its reason in `failures`). */
  failed: number;
  /** Files that are not valid: nothing of them was written, nothing they declared was deleted. */
  invalid: number;
  /** The first of them, with the reason. */
  invalidFiles: { file: string; reason: string }[];
  /** The first refusals and errors: `service/orders (P001/repo/port.yml): 422 …`. */
  failures: string[];
  durationMs: number;
}

export function emptyGitOpsSummary(status: GitOpsSummary["status"] = "succeeded"): GitOpsSummary {
  return {
    status,
    repositories: 0,
    files: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    failed: 0,
    invalid: 0,
    invalidFiles: [],
    failures: [],
    durationMs: 0,
  };
}
