import { jqStringLiteral } from "../../shared/mapping-config/rules";
import type { Kind } from "../../shared/mapping-config/schema";
import type { BitbucketClient } from "../bitbucket/client";
import type { Catalog, EntityKey } from "../catalog/catalog";
import type { LoadedMapping } from "../config/mapping-loader";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { MappedEntity } from "../mapping/mapping-result";
import type { ResourceMapper } from "../mapping/resource-mapper";
import type { AgentState } from "../state/agent-state";
import { type EntityWriter, entityWriterFor, trackedKey, type WriteOutcome } from "./entity-writer";
import { listKind } from "./kind-listing";
import { reconcile, takeSnapshot } from "./reconcile";
import type { KindSummary, ReconcileSummary, ResyncSummary } from "./resync-summary";

/**
 * One full resync (DESIGN.md decision 5), kinds in mapping order. For each resource: list page by page (memory does
 * not grow with the instance), enrich when the mapping needs it, select, map, and write only what changed since the
 * last write. Then, only if every kind succeeded and the run was not interrupted, reconcile: delete what this
 * integration owns in the covered blueprints that the run did not produce, within `entityDeletionThreshold`.
 */

export interface ResyncOptions {
  mapping: LoadedMapping;
  client: BitbucketClient;
  catalog: Catalog;
  state: AgentState;
  logger: Logger;
  /** Only these kinds (`bbrelay resync --kind`); reconcile then covers only blueprints no other kind writes. */
  kinds?: readonly Kind[];
  /** Write nothing to the catalog; report what would change. */
  dryRun?: boolean;
  signal?: AbortSignal;
  now?: () => number;
  /** Examples of changes in a dry run's summary. */
  sampleSize?: number;
  /** Repositories (or projects) listed at once. */
  listingConcurrency?: number;
  onProgress?: (progress: KindProgress) => void;
}

export interface KindProgress {
  kind: Kind;
  resource: number;
  phase: "listing" | "done";
  listed: number;
  selected: number;
  written: number;
  unchanged: number;
  failed: number;
  elapsedMs: number;
}

/** Entities buffered before a write: large enough to fill Port's bulk calls, small enough to stay flat. */
const WRITE_BATCH = 200;
const ERRORS_KEPT = 5;

export async function runResync(options: ResyncOptions): Promise<ResyncSummary> {
  const now = options.now ?? Date.now;
  const { mapping, state, catalog, logger } = options;
  const dryRun = options.dryRun === true;
  const sampleSize = options.sampleSize ?? 5;
  const startedAt = now();
  const writeMark = state.writeMark;
  const runId = state.startRun(dryRun ? "dry-run" : "resync", startedAt);
  const log = logger.child({ runId });
  const mappers = mapping.mappers.filter(
    (mapper) => options.kinds === undefined || options.kinds.includes(mapper.kind),
  );
  const scope = reconcileScope(mapping.mappers, mappers);
  log.info({ kinds: mappers.map((mapper) => mapper.kind), dryRun, catalog: catalog.kind }, "Resync started");

  const snapshot = scope.kind === "none" ? null : await takeSnapshot(catalog, state, scope.blueprints, options.signal);
  if (snapshot !== null && !snapshot.ok)
    log.warn({ error: snapshot.error }, "Could not list the catalog's entities; nothing will be deleted");
  if (snapshot === null) state.beginLedger();

  const writer = entityWriterFor(mapping, catalog, state);
  const samples = { create: [] as EntityKey[], update: [] as EntityKey[] };
  const kinds: KindSummary[] = [];
  for (const mapper of mappers) {
    if (options.signal?.aborted === true) {
      kinds.push({ ...emptyKind(mapper), status: "aborted" });
      continue;
    }
    kinds.push(
      await resyncKind(mapper, {
        ...options,
        log,
        writer,
        dryRun,
        now,
        ledger: { snapshotTaken: snapshot?.ok === true },
        onWritten: (outcome) => {
          for (const { entity, change } of outcome.changed) {
            const list = samples[change];
            const key = trackedKey(entity);
            if (list.length < sampleSize && key !== null) list.push(key);
          }
        },
      }),
    );
  }

  const reconcileStarted = now();
  let reconcileSummary: ReconcileSummary;
  const failedKinds = kinds.filter((kind) => kind.status !== "succeeded");
  const skipped = (reason: string): ReconcileSummary => ({
    status: "skipped",
    reason,
    owned: snapshot?.owned ?? 0,
    deleted: 0,
    failed: 0,
    protected: 0,
    durationMs: 0,
  });
  let deleteSamples: EntityKey[] = [];
  if (options.signal?.aborted === true) {
    reconcileSummary = skipped("the resync was interrupted, so its listing is incomplete; nothing was deleted");
  } else if (failedKinds.length > 0) {
    reconcileSummary = skipped(
      `${failedKinds.map((kind) => kind.kind).join(", ")} did not complete, so nothing was deleted`,
    );
  } else if (scope.kind === "none") {
    reconcileSummary = skipped(scope.reason);
  } else if (snapshot?.ok !== true) {
    reconcileSummary = skipped(
      `the catalog's entities could not be listed (${snapshot?.error ?? "unknown error"}), so nothing was deleted`,
    );
  } else {
    const outcome = await reconcile({
      state,
      writer,
      logger: log,
      writeMark,
      threshold: mapping.config.entityDeletionThreshold,
      createMissingRelatedEntities: mapping.config.createMissingRelatedEntities,
      deleteDependentEntities: mapping.config.deleteDependentEntities,
      blueprintOrder: scope.order,
      dryRun,
      sampleSize,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    deleteSamples = outcome.samples;
    attributeDeletions(kinds, mappers, outcome.byBlueprint);
    reconcileSummary = {
      status: outcome.status,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      owned: outcome.owned,
      deleted: outcome.deleted,
      failed: outcome.failed,
      protected: outcome.protected,
      durationMs: now() - reconcileStarted,
    };
  }

  const finishedAt = now();
  const aborted = options.signal?.aborted === true;
  const status: ResyncSummary["status"] = aborted
    ? "aborted"
    : failedKinds.length > 0 || reconcileSummary.failed > 0
      ? "failed"
      : "succeeded";
  const summary: ResyncSummary = {
    runId,
    dryRun,
    status,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - startedAt,
    kinds,
    reconcile: reconcileSummary,
    ...(dryRun ? { samples: { ...samples, delete: deleteSamples } } : {}),
  };
  state.finishRun(runId, status, summary, finishedAt);
  log.info({ status, durationMs: summary.durationMs, deleted: reconcileSummary.deleted }, "Resync finished");
  return summary;
}

interface KindRunOptions extends ResyncOptions {
  log: Logger;
  writer: EntityWriter;
  dryRun: boolean;
  now: () => number;
  ledger: { snapshotTaken: boolean };
  onWritten: (outcome: WriteOutcome) => void;
}

async function resyncKind(mapper: ResourceMapper, options: KindRunOptions): Promise<KindSummary> {
  const started = options.now();
  const summary = emptyKind(mapper);
  const log = options.log.child({ kind: mapper.kind, resource: mapper.index });
  const warnings = new Map<string, { count: number; example: string }>();
  const pending: MappedEntity[] = [];
  const progress = (phase: KindProgress["phase"]) =>
    options.onProgress?.({
      kind: mapper.kind,
      resource: mapper.index,
      phase,
      listed: summary.listed,
      selected: summary.selected,
      written: summary.created + summary.updated,
      unchanged: summary.unchanged,
      failed: summary.failed,
      elapsedMs: options.now() - started,
    });
  const flush = async () => {
    if (pending.length === 0) return;
    const outcome = await options.writer.write(pending.splice(0), {
      ledger: options.ledger,
      dryRun: options.dryRun,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    summary.created += outcome.counts.created;
    summary.updated += outcome.counts.updated;
    summary.unchanged += outcome.counts.unchanged;
    summary.failed += outcome.counts.failed;
    for (const failure of outcome.failures)
      keepError(summary, `${failure.blueprint}/${failure.identifier}: ${failure.message}`);
    options.onWritten(outcome);
  };

  try {
    for await (const page of listKind(mapper, {
      client: options.client,
      logger: log,
      ...(options.listingConcurrency === undefined ? {} : { concurrency: options.listingConcurrency }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })) {
      if (options.signal?.aborted === true) break;
      summary.listed += page.length;
      for (const item of page) {
        const result = await mapper.mapItem(item);
        summary.selected += result.counts.selected;
        summary.warnings += result.warnings.length;
        for (const warning of result.warnings) {
          const seen = warnings.get(warning.path) ?? { count: 0, example: warning.message };
          seen.count++;
          warnings.set(warning.path, seen);
        }
        for (const error of result.errors) {
          summary.failed++;
          keepError(summary, `${error.path}: ${error.message}`);
        }
        if (result.errors.length > 0) summary.status = "failed";
        pending.push(...result.entities);
        if (pending.length >= WRITE_BATCH) await flush();
      }
      progress("listing");
    }
    await flush();
  } catch (error) {
    summary.status = options.signal?.aborted === true ? "aborted" : "failed";
    keepError(summary, messageOf(error));
    log.error({ error }, "Resync of the kind failed; nothing will be deleted in this run");
  }
  if (options.signal?.aborted === true && summary.status === "succeeded") summary.status = "aborted";
  for (const [path, { count, example }] of warnings) log.warn({ path, count, example }, "Mapping field gave warnings");
  summary.durationMs = options.now() - started;
  progress("done");
  return summary;
}

/**
 * Which blueprints a run may reconcile. A full run covers every blueprint its resources write; a `--kind` run only
 * the blueprints no other resource writes (or it would delete what the kinds it skipped produce). A blueprint
 * computed by jq (not a literal) cannot be known up front: then a full run covers everything the integration owns,
 * as Ocean does, and a `--kind` run does not delete.
 */
function reconcileScope(
  all: readonly ResourceMapper[],
  selected: readonly ResourceMapper[],
): { kind: "blueprints"; blueprints: string[] | null; order: string[] } | { kind: "none"; reason: string } {
  const literal = (mapper: ResourceMapper) => jqStringLiteral(mapper.resource.port.entity.mappings.blueprint);
  const order = [...new Set(all.map(literal).filter((blueprint): blueprint is string => blueprint !== null))];
  const partial = selected.length < all.length;
  if (all.some((mapper) => literal(mapper) === null)) {
    if (partial)
      return {
        kind: "none",
        reason:
          "a blueprint is computed by jq, so a run of some kinds cannot tell which entities are its own; run a full resync to delete stale entities",
      };
    return { kind: "blueprints", blueprints: null, order };
  }
  if (!partial) return { kind: "blueprints", blueprints: order, order };
  const others = new Set(all.filter((mapper) => !selected.includes(mapper)).map(literal));
  const blueprints = [...new Set(selected.map(literal))].filter(
    (blueprint): blueprint is string => blueprint !== null && !others.has(blueprint),
  );
  if (blueprints.length === 0)
    return {
      kind: "none",
      reason:
        "the selected kinds share their blueprints with kinds not run; run a full resync to delete stale entities",
    };
  return { kind: "blueprints", blueprints, order };
}

function attributeDeletions(
  kinds: KindSummary[],
  mappers: readonly ResourceMapper[],
  byBlueprint: Record<string, number>,
): void {
  for (const [blueprint, count] of Object.entries(byBlueprint)) {
    const index = mappers.findIndex(
      (mapper) => jqStringLiteral(mapper.resource.port.entity.mappings.blueprint) === blueprint,
    );
    const kind = kinds[Math.max(index, 0)];
    if (kind !== undefined) kind.deleted += count;
  }
}

function emptyKind(mapper: ResourceMapper): KindSummary {
  return {
    kind: mapper.kind,
    resource: mapper.index,
    status: "succeeded",
    listed: 0,
    selected: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    failed: 0,
    warnings: 0,
    durationMs: 0,
    errors: [],
  };
}

function keepError(summary: KindSummary, message: string): void {
  if (summary.errors.length < ERRORS_KEPT) summary.errors.push(message);
}
