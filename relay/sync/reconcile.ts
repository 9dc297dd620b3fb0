import type { Catalog, EntityKey } from "../catalog/catalog";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { AgentState } from "../state/agent-state";
import type { EntityWriter, WriteFailure } from "./entity-writer";

/**
 * The deletion phase of a full resync (docs/design.md, decision 5): entities this integration owned when the run started,
 * in the blueprints the run covers, that the run did not produce are deleted — unless
 * - any kind failed or the run was interrupted (the caller does not call this then: never delete after a partial
 *   listing);
 * - their share of the owned entities is above `entityDeletionThreshold` (nothing is deleted, and why is reported);
 * - a live event wrote them after the run started (the agent state's write sequence, past the run's `writeMark`);
 * - with `createMissingRelatedEntities`, an entity of the run points to them (Port would recreate them empty).
 */

export interface SnapshotOutcome {
  ok: boolean;
  owned: number;
  error?: string;
}

/**
 * Lists the owned entities of the blueprints into the run's ledger. Taken before the listing starts, so an entity a
 * live event creates during the run is not in it and cannot be deleted by this run.
 */
export async function takeSnapshot(
  catalog: Catalog,
  state: AgentState,
  blueprints: readonly string[] | null,
  signal?: AbortSignal,
): Promise<SnapshotOutcome> {
  state.beginLedger();
  try {
    const options = { ...(blueprints === null ? {} : { blueprints }), ...(signal === undefined ? {} : { signal }) };
    for await (const page of catalog.listOwned(options)) state.addToSnapshot(page);
  } catch (error) {
    return { ok: false, owned: state.snapshotSize, error: messageOf(error) };
  }
  return { ok: true, owned: state.snapshotSize };
}

export interface ReconcileOptions {
  state: AgentState;
  /** Deletes and forgets, as the live path does. */
  writer: EntityWriter;
  logger: Logger;
  /** The state's write mark when the run started: entities written after it are left alone. */
  writeMark: number;
  threshold: number;
  createMissingRelatedEntities: boolean;
  deleteDependentEntities: boolean;
  /** Blueprints in mapping order; deletions go in reverse (children before the entities they point to). */
  blueprintOrder: readonly string[];
  dryRun: boolean;
  sampleSize: number;
  signal?: AbortSignal;
  /** Each entity that could not be deleted, for the run's summary. */
  onFailure?: (failure: WriteFailure) => void;
}

export interface ReconcileOutcome {
  status: "deleted" | "nothing-to-delete" | "refused" | "dry-run";
  owned: number;
  protected: number;
  /** Deleted (in a dry run: to delete). */
  deleted: number;
  failed: number;
  /** Deleted (or, in a dry run, to delete) per blueprint. */
  byBlueprint: Record<string, number>;
  reason?: string;
  samples: EntityKey[];
}

const DELETE_BATCH = 100;

export async function reconcile(options: ReconcileOptions): Promise<ReconcileOutcome> {
  const { state } = options;
  const owned = state.snapshotSize;
  const doomed: EntityKey[] = [];
  let protectedCount = 0;
  for (const candidate of state.deletionCandidates(options.writeMark)) {
    if (candidate.protected && options.createMissingRelatedEntities) {
      protectedCount++;
      continue;
    }
    doomed.push({ blueprint: candidate.blueprint, identifier: candidate.identifier });
  }
  const outcome: ReconcileOutcome = {
    status: "nothing-to-delete",
    owned,
    protected: protectedCount,
    deleted: 0,
    failed: 0,
    byBlueprint: {},
    samples: doomed.slice(0, options.sampleSize),
  };
  if (doomed.length === 0) return outcome;

  const rate = doomed.length / owned;
  if (rate > options.threshold) {
    outcome.status = "refused";
    outcome.reason =
      `would delete ${doomed.length} of the ${owned} entities this integration owns (${percent(rate)}), above ` +
      `entityDeletionThreshold ${options.threshold} (${percent(options.threshold)}); nothing was deleted. If the ` +
      `Bitbucket data really shrank that much, raise entityDeletionThreshold in the mapping for one resync.`;
    return outcome;
  }

  const order = new Map(options.blueprintOrder.map((blueprint, index) => [blueprint, index]));
  doomed.sort((a, b) => (order.get(b.blueprint) ?? -1) - (order.get(a.blueprint) ?? -1));
  if (options.dryRun) {
    outcome.status = "dry-run";
    outcome.deleted = doomed.length;
    for (const key of doomed) outcome.byBlueprint[key.blueprint] = (outcome.byBlueprint[key.blueprint] ?? 0) + 1;
    return outcome;
  }

  outcome.status = "deleted";
  let firstFailure: string | undefined;
  for (let start = 0; start < doomed.length; start += DELETE_BATCH) {
    const batch = doomed.slice(start, start + DELETE_BATCH);
    const { deleted, failures } = await options.writer.delete(batch, {
      deleteDependents: options.deleteDependentEntities,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    for (const key of deleted) outcome.byBlueprint[key.blueprint] = (outcome.byBlueprint[key.blueprint] ?? 0) + 1;
    outcome.deleted += deleted.length;
    outcome.failed += failures.length;
    firstFailure ??= failures[0]?.message;
    for (const failure of failures) options.onFailure?.(failure);
  }
  if (outcome.failed > 0) {
    options.logger.warn({ failed: outcome.failed, first: firstFailure }, "Some stale entities could not be deleted");
  }
  return outcome;
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}
