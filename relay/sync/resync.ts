import { jqStringLiteral } from "../../shared/mapping-config/rules";
import type { Kind } from "../../shared/mapping-config/schema";
import type { BitbucketClient } from "../bitbucket/client";
import type { Catalog, EntityKey } from "../catalog/catalog";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import type { LoadedMapping } from "../config/mapping-loader";
import type { FileStore } from "../files/file-store";
import { RepositoryFiles } from "../files/repository-files";
import { resyncGitOps } from "../gitops/gitops-resync";
import type { GitOpsSummary } from "../gitops/gitops-summary";
import type { GitOpsSync } from "../gitops/gitops-sync";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { ResourceMapper } from "../mapping/resource-mapper";
import type { AgentState } from "../state/agent-state";
import { type EntityWriter, entityWriterFor, trackedKey, type WriteOutcome } from "./entity-writer";
import { classifyCatalogFailure } from "./failure-cause";
import { mappingFingerprint } from "./item-digest";
import { checkMappingFit } from "./mapping-fit";
import { OutcomeTally } from "./outcome-tally";
import { reconcile, type SnapshotOutcome, takeSnapshot } from "./reconcile";
import { type ReconcileScope, reconcileScope } from "./reconcile-scope";
import { RelationGate } from "./relation-gate";
import { emptyKind, type KindOutcome, type KindProgress, type KindRunOptions, resyncKind } from "./resync-kind";
import type { KindSummary, ReconcileSummary, ResyncStatus, ResyncSummary } from "./resync-summary";

export type { KindProgress } from "./resync-kind";

/**
 * One full resync (docs/design.md, decision 5), kinds at once, each writing after what its relations point to. For
 * each resource: list page by page (memory does not grow with the instance), enrich when the mapping needs it, select, map, and write only what changed since the
 * last write. Then, only if every kind was listed to its end with no item dropped, the mapping failed on no item,
 * and the run was not interrupted, reconcile: delete what this integration owns in the covered blueprints that the
 * run did not produce, within `entityDeletionThreshold`. The summary's status says whether everything got there (see resync-summary.ts).
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
  /** Each listed page of raw items, enriched, before mapping (the raw data examples Port's mapping editor shows). */
  onItems?: KindRunOptions["onItems"];
  /** Caches repository files by commit, so an unchanged repository's files are not read again (the `file` kind). */
  fileStore?: FileStore;
  /** GitOps (entities declared in repositories' `port.yml`): synced after the kinds by full runs, not dry runs. */
  gitops?: GitOpsSync;
}

/** What the phases of one run share. */
interface Run {
  options: ResyncOptions;
  id: number;
  startedAt: number;
  writeMark: number;
  dryRun: boolean;
  sampleSize: number;
  now: () => number;
  log: Logger;
  writer: EntityWriter;
  /** One reader for the run: a repository's tip and listing are asked once, whichever resource needs them. */
  files: RepositoryFiles;
  tally: OutcomeTally;
  mappers: ResourceMapper[];
  scope: ReconcileScope;
  /** A dry run's examples, per kind (in mapping order): kinds run at once, and the examples stay those of one by one. */
  samples: { create: EntityKey[]; update: EntityKey[] }[];
  /** The blueprints in force, read at the start (their relations order the kinds' writes); empty if unreadable. */
  blueprints: Blueprint[];
}

export async function runResync(options: ResyncOptions): Promise<ResyncSummary> {
  const run = startRun(options);
  await checkBlueprints(run);
  const snapshot = await snapshotFor(run);
  const outcomes = await resyncKinds(run, snapshot);
  const gitops = await gitopsStep(run);
  const { summary: reconcileSummary, samples: deleteSamples } = await reconcileStep(run, snapshot, outcomes);
  return finishRun(run, outcomes, reconcileSummary, deleteSamples, gitops);
}

function startRun(options: ResyncOptions): Run {
  const now = options.now ?? Date.now;
  const dryRun = options.dryRun === true;
  const startedAt = now();
  const writeMark = options.state.writeMark;
  const id = options.state.startRun(dryRun ? "dry-run" : "resync", startedAt);
  const log = options.logger.child({ runId: id });
  const mappers = options.mapping.mappers.filter(
    (mapper) => options.kinds === undefined || options.kinds.includes(mapper.kind),
  );
  log.info({ kinds: mappers.map((mapper) => mapper.kind), dryRun, catalog: options.catalog.kind }, "Resync started");
  return {
    options,
    id,
    startedAt,
    writeMark,
    dryRun,
    sampleSize: options.sampleSize ?? 5,
    now,
    log,
    writer: entityWriterFor(options.mapping, options.catalog, options.state),
    files: new RepositoryFiles(options.client, options.fileStore ?? null),
    tally: new OutcomeTally(),
    mappers,
    scope: reconcileScope(options.mapping.mappers, mappers),
    samples: mappers.map(() => ({ create: [], update: [] })),
    blueprints: [],
  };
}

/**
 * The mapping against the blueprints in force, once per run before anything is written: each field that cannot
 * fit is logged and kept in the summary's warnings (the entities it concerns will be refused and counted).
 */
async function checkBlueprints(run: Run): Promise<void> {
  const { mapping, catalog, signal } = run.options;
  const fit = await checkMappingFit(mapping.config.resources, catalog, signal === undefined ? {} : { signal });
  if (!fit.ok) {
    run.log.warn({ error: messageOf(fit.error) }, "Could not read the blueprints to check the mapping against them");
    return;
  }
  run.blueprints = fit.found;
  const selected = new Set(run.mappers.map((mapper) => mapper.index));
  for (const problem of fit.problems.filter((entry) => selected.has(entry.resource))) {
    run.log.warn(
      { path: problem.path, fix: problem.fix },
      `The mapping does not fit its blueprint: ${problem.message}`,
    );
    run.tally.addWarning(problem.kind, "blueprint-mismatch", problem.path, problem.message, problem.fix);
  }
}

/** The owned entities before the listing starts, or null when this run may not delete anything anyway. */
async function snapshotFor(run: Run): Promise<SnapshotOutcome | null> {
  const { state, catalog, signal } = run.options;
  if (run.scope.kind === "none") {
    state.beginLedger();
    return null;
  }
  const snapshot = await takeSnapshot(catalog, state, run.scope.blueprints, signal);
  if (!snapshot.ok) {
    run.log.warn({ error: snapshot.error }, "Could not list the catalog's entities; nothing will be deleted");
    const message = `the catalog's entities could not be listed: ${snapshot.error ?? "unknown error"}`;
    run.tally.addFailure(
      {
        cause: "catalog-unavailable",
        kind: null,
        message,
        fix: "bbrelay doctor checks the catalog; stale entities are deleted on the next resync that can list it",
      },
      message,
    );
  }
  return snapshot;
}

/**
 * The kinds run at once, sharing the client's in-flight bound: the pull requests of a repository are listed while
 * other repositories are still being enriched, so the run is bound by Bitbucket's answers rather than by the
 * slowest kind's own work. Each kind's writes still follow the entities its relations point to (relation-gate.ts),
 * and the reconcile still waits for every kind's outcome. Summaries stay in mapping order.
 */
async function resyncKinds(run: Run, snapshot: SnapshotOutcome | null): Promise<KindOutcome[]> {
  const { options } = run;
  const gate = new RelationGate(run.mappers.length, run.blueprints);
  run.tally.kindsStarting(run.mappers.map((mapper) => mapper.kind));
  const outcomes = await Promise.all(
    run.mappers.map(async (mapper, index): Promise<KindOutcome> => {
      if (options.signal?.aborted === true) {
        gate.finished(index);
        return { summary: { ...emptyKind(mapper), status: "aborted" }, complete: false, droppedItems: 0 };
      }
      const fingerprint = mappingFingerprint(mapper, run.writer.mode);
      return resyncKind(mapper, {
        // Each kind waits for request permits in its own turn: see concurrency-limiter.ts.
        client: options.client.inLane(`kind ${index}`),
        writer: run.writer,
        files: run.files,
        readmes: options.state,
        tally: run.tally,
        log: run.log,
        dryRun: run.dryRun,
        now: run.now,
        ledger: { snapshotTaken: snapshot?.ok === true },
        onWritten: (outcome) => keepSamples(run, index, outcome),
        ...(options.listingConcurrency === undefined ? {} : { listingConcurrency: options.listingConcurrency }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        ...(options.onItems === undefined ? {} : { onItems: options.onItems }),
        order: { gate, index },
        ...(fingerprint === null ? {} : { digests: { state: options.state, fingerprint, record: !run.dryRun } }),
      });
    }),
  );
  run.tally.kindsFinished();
  pruneDigests(run, outcomes);
  return outcomes;
}

/**
 * Forgets the item digests of each kind this run listed completely that the run did not see (changed or gone
 * items); a digest of a mapping that changed since is never looked up again and goes with a full resync.
 */
function pruneDigests(run: Run, outcomes: readonly KindOutcome[]): void {
  if (run.dryRun) return;
  run.mappers.forEach((mapper, index) => {
    const fingerprint = mappingFingerprint(mapper, run.writer.mode);
    if (fingerprint !== null && outcomes[index]?.complete === true) run.options.state.pruneDigests(fingerprint);
  });
  if (run.options.kinds === undefined && outcomes.every((outcome) => outcome.complete))
    run.options.state.keepDigestsOf(
      run.mappers.map((mapper) => mappingFingerprint(mapper, run.writer.mode)).filter((fp) => fp !== null),
    );
}

function keepSamples(run: Run, index: number, outcome: WriteOutcome): void {
  const samples = run.samples[index];
  if (samples === undefined) return;
  for (const { entity, change } of outcome.changed) {
    const list = samples[change];
    const key = trackedKey(entity);
    if (list.length < run.sampleSize && key !== null) list.push(key);
  }
}

/** The first examples of each change over the kinds in mapping order, as when the kinds ran one after the other. */
function samplesOf(run: Run): { create: EntityKey[]; update: EntityKey[] } {
  return {
    create: run.samples.flatMap((kind) => kind.create).slice(0, run.sampleSize),
    update: run.samples.flatMap((kind) => kind.update).slice(0, run.sampleSize),
  };
}

/** Deletes what the run did not see, when the run may: the rules are in the module comment. */
async function reconcileStep(
  run: Run,
  snapshot: SnapshotOutcome | null,
  outcomes: readonly KindOutcome[],
): Promise<{ summary: ReconcileSummary; samples: EntityKey[] }> {
  const skippedBecause = reconcileBlocker(run, snapshot, outcomes);
  if (skippedBecause !== null || run.scope.kind === "none") {
    const reason = skippedBecause ?? (run.scope.kind === "none" ? run.scope.reason : "");
    return {
      summary: {
        status: "skipped",
        reason,
        owned: snapshot?.owned ?? 0,
        deleted: 0,
        failed: 0,
        protected: 0,
        durationMs: 0,
      },
      samples: [],
    };
  }
  const started = run.now();
  const { mapping, state, signal } = run.options;
  const outcome = await reconcile({
    state,
    writer: run.writer,
    logger: run.log,
    writeMark: run.writeMark,
    threshold: mapping.config.entityDeletionThreshold,
    createMissingRelatedEntities: mapping.config.createMissingRelatedEntities,
    deleteDependentEntities: mapping.config.deleteDependentEntities,
    blueprintOrder: run.scope.order,
    dryRun: run.dryRun,
    sampleSize: run.sampleSize,
    ...(signal === undefined ? {} : { signal }),
    onFailure: (failure) => {
      for (const problem of classifyCatalogFailure(failure))
        run.tally.addFailure(
          { ...problem, kind: null, blueprint: failure.blueprint },
          `${failure.blueprint}/${failure.identifier}`,
        );
    },
  });
  attributeDeletions(
    outcomes.map((entry) => entry.summary),
    run.mappers,
    outcome.byBlueprint,
  );
  return {
    summary: {
      status: outcome.status,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      owned: outcome.owned,
      deleted: outcome.deleted,
      failed: outcome.failed,
      protected: outcome.protected,
      durationMs: run.now() - started,
    },
    samples: outcome.samples,
  };
}

/** @returns why this run may not delete anything, or null when it may */
function reconcileBlocker(run: Run, snapshot: SnapshotOutcome | null, outcomes: readonly KindOutcome[]): string | null {
  if (run.options.signal?.aborted === true)
    return "the resync was interrupted, so its listing is incomplete; nothing was deleted";
  const unfinished = outcomes.filter(
    (entry) => entry.summary.status === "failed" || entry.summary.status === "aborted",
  );
  if (unfinished.length > 0)
    return `${unfinished.map((entry) => entry.summary.kind).join(", ")} did not complete, so nothing was deleted`;
  const dropped = outcomes.filter((entry) => entry.droppedItems > 0);
  if (dropped.length > 0)
    return `Bitbucket listed items of ${dropped.map((entry) => entry.summary.kind).join(", ")} without the fields the relay reads, so the listing is incomplete and nothing was deleted`;
  const unknown = outcomes.filter((entry) => !entry.complete);
  if (unknown.length > 0)
    return `the mapping failed on some items of ${unknown.map((entry) => entry.summary.kind).join(", ")}, so their entities are unknown and nothing was deleted`;
  if (snapshot !== null && !snapshot.ok)
    return `the catalog's entities could not be listed (${snapshot.error ?? "unknown error"}), so nothing was deleted`;
  return null;
}

/** GitOps after the kinds (its entities may point to theirs), in full runs that write. */
async function gitopsStep(run: Run): Promise<GitOpsSummary | undefined> {
  const { gitops, kinds, signal } = run.options;
  if (gitops === undefined || run.dryRun || kinds !== undefined || signal?.aborted === true) return undefined;
  return resyncGitOps({
    gitops,
    client: run.options.client,
    files: run.files,
    logger: run.log.child({ component: "gitops" }),
    now: run.now,
    ...(signal === undefined ? {} : { signal }),
  });
}

function finishRun(
  run: Run,
  outcomes: readonly KindOutcome[],
  reconcileSummary: ReconcileSummary,
  deleteSamples: EntityKey[],
  gitops: GitOpsSummary | undefined,
): ResyncSummary {
  const { state, signal } = run.options;
  const kinds = outcomes.map((entry) => entry.summary);
  const finishedAt = run.now();
  const failures = run.tally.failures();
  // A dry run writes nothing, so the catalog refuses nothing: a field that cannot fit its blueprint is its failure.
  const misfit = run.dryRun && run.tally.warnings().some((warning) => warning.code === "blueprint-mismatch");
  const status = withGitOps(
    overallStatus(signal?.aborted === true, kinds, reconcileSummary, failures.length > 0 || misfit),
    gitops,
  );
  const summary: ResyncSummary = {
    runId: run.id,
    dryRun: run.dryRun,
    status,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    durationMs: finishedAt - run.startedAt,
    kinds,
    reconcile: reconcileSummary,
    failures,
    warnings: run.tally.warnings(),
    ...(gitops === undefined ? {} : { gitops }),
    ...(run.dryRun ? { samples: { ...samplesOf(run), delete: deleteSamples } } : {}),
  };
  state.finishRun(run.id, status, summary, finishedAt);
  for (const warning of summary.warnings)
    run.log.warn(
      { kind: warning.kind, path: warning.path, count: warning.count, example: warning.example },
      "Mapping gave warnings",
    );
  for (const failure of summary.failures) {
    const { samples: _samples, ...fields } = failure;
    run.log.warn(fields, "Resync failures of one cause");
  }
  run.log.info({ status, durationMs: summary.durationMs, deleted: reconcileSummary.deleted }, "Resync finished");
  return summary;
}

/**
 * `failed` when a kind did not complete; `partial` when anything failed (an entity not written, an item the
 * mapping failed on, a stale entity not deleted, the catalog not listed) or `entityDeletionThreshold` refused the
 * deletions; `succeeded` otherwise.
 */
/** An invalid GitOps file or a refused GitOps entity makes a run partial; a GitOps pass that stopped, failed. */
function withGitOps(status: ResyncStatus, gitops: GitOpsSummary | undefined): ResyncStatus {
  if (gitops === undefined || status === "aborted" || status === "failed") return status;
  if (gitops.status === "failed") return "failed";
  return gitops.status === "partial" ? "partial" : status;
}

export function overallStatus(
  aborted: boolean,
  kinds: readonly KindSummary[],
  reconcileSummary: ReconcileSummary,
  anyFailure: boolean,
): ResyncStatus {
  if (aborted || kinds.some((kind) => kind.status === "aborted")) return "aborted";
  if (kinds.some((kind) => kind.status === "failed")) return "failed";
  if (anyFailure || kinds.some((kind) => kind.status === "partial") || reconcileSummary.status === "refused")
    return "partial";
  return "succeeded";
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
