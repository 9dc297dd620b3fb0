import type { Kind } from "../../shared/mapping-config/schema";
import type { BitbucketClient } from "../bitbucket/client";
import type { DroppedItems } from "../bitbucket/dropped-items";
import { isBitbucketError } from "../bitbucket/errors";
import type { CatalogEntity, EntityKey } from "../catalog/catalog";
import { CatalogUnavailableError } from "../catalog/catalog-unavailable-error";
import type { RepositoryFiles } from "../files/repository-files";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { Json } from "../mapping/engine";
import type { ItemResult } from "../mapping/mapping-result";
import type { ResourceMapper } from "../mapping/resource-mapper";
import type { AgentState, RememberedItem } from "../state/agent-state";
import type { ReadmeMemory } from "../state/readme-memory";
import { addRelationTargets, type EntityWriter, type WriteOutcome } from "./entity-writer";
import { yieldWhenSliceSpent } from "./event-loop-slices";
import { classifyCatalogFailure } from "./failure-cause";
import { listedPageDigests } from "./item-digest";
import { listKind } from "./kind-listing";
import type { OutcomeTally } from "./outcome-tally";
import type { RelationGate } from "./relation-gate";
import type { KindSummary } from "./resync-summary";
import { WriteBuffer } from "./write-buffer";

/** One kind's part of a resync: list page by page, map, write in batches, and count every outcome. */

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

export interface KindRunOptions {
  client: BitbucketClient;
  writer: EntityWriter;
  tally: OutcomeTally;
  log: Logger;
  dryRun: boolean;
  now: () => number;
  ledger: { snapshotTaken: boolean };
  onWritten: (outcome: WriteOutcome) => void;
  listingConcurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: KindProgress) => void;
  /** Each listed page of raw items, enriched, before mapping. */
  onItems?: (kind: Kind, items: readonly Json[]) => void;
  /** The run's file reader (the `file` kind), shared by every resource. */
  files?: RepositoryFiles;
  /** READMEs by head, so an unchanged repository's README is not read again. */
  readmes?: ReadmeMemory;
  /** When kinds run at once: this kind's place among them, so its writes follow its relations' targets. */
  order?: { gate: RelationGate; index: number };
  /**
   * Item digests (item-digest.ts): an item exactly as at the last successful resync is counted unchanged without
   * mapping or hashing. Absent when the mapping is not a pure function of its input. `record`: remember the items
   * this run settles (false for dry runs, which write nothing).
   */
  digests?: { state: AgentState; fingerprint: string; record: boolean };
}

export interface KindOutcome {
  summary: KindSummary;
  /**
   * Whether the run knows every entity this kind should produce: false when the listing did not complete, dropped
   * items, or when the mapping failed on an item (its entities are unknown). A reconcile must not delete on an
   * incomplete kind.
   */
  complete: boolean;
  /** Items the listing dropped (Bitbucket sent them without the fields the relay reads). */
  droppedItems: number;
}

/** One item's entities (written together); `digest`: the item is remembered once they all settled. */
interface MappedItem {
  entities: CatalogEntity[];
  digest?: string;
}

export async function resyncKind(mapper: ResourceMapper, options: KindRunOptions): Promise<KindOutcome> {
  const started = options.now();
  const summary = emptyKind(mapper);
  const log = options.log.child({ kind: mapper.kind, resource: mapper.index });
  const digests = options.digests;
  let mappingErrors = 0;
  let droppedItems = 0;
  const progress = (phase: KindProgress["phase"]) => options.onProgress?.(progressOf(summary, phase, started, options));
  const write = async (items: readonly MappedItem[]) => {
    const batch: CatalogEntity[] = [];
    /** Items mapped in full, by their entities' place in the batch, to remember once written. */
    const tracked: { digest: string; start: number; count: number }[] = [];
    for (const item of items) {
      if (item.digest !== undefined)
        tracked.push({ digest: item.digest, start: batch.length, count: item.entities.length });
      batch.push(...item.entities);
    }
    if (batch.length === 0) {
      // Items the selector left out: nothing to write, and remembered all the same.
      if (digests?.record === true) rememberSettled(digests, tracked, batch, []);
      return;
    }
    const outcome = await options.writer.write(batch, {
      ledger: options.ledger,
      dryRun: options.dryRun,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    options.order?.gate.handled(options.order.index, batch);
    if (digests?.record === true) rememberSettled(digests, tracked, batch, outcome.settled);
    countWrites(summary, outcome, options.tally);
    options.onWritten(outcome);
  };
  const buffer = new WriteBuffer(options.order, write);

  let listed = false;
  try {
    for await (const page of listKind(mapper, {
      client: options.client,
      logger: log,
      ...(options.files === undefined ? {} : { files: options.files }),
      ...(options.readmes === undefined ? {} : { readmes: options.readmes }),
      onFileWarning: (file, message) => {
        summary.warnings++;
        options.tally.addWarning(
          summary.kind,
          "file-unmapped",
          file,
          message,
          "fix the file in its repository, or narrow the resource's files.path so it is not taken",
        );
      },
      onDropped: (dropped) => {
        droppedItems += dropped.count;
        summary.failed += dropped.count;
        tallyDropped(summary.kind, dropped, options.tally);
      },
      ...(options.listingConcurrency === undefined ? {} : { concurrency: options.listingConcurrency }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    })) {
      if (options.signal?.aborted === true) break;
      summary.listed += page.length;
      options.onItems?.(mapper.kind, page);
      const known = digests === undefined ? null : unchangedItems(digests, page, options);
      for (const [position, item] of page.entries()) {
        const digest = known?.digests[position];
        const shortcut = digest === undefined ? undefined : known?.unchanged.get(digest);
        if (shortcut !== undefined) {
          // Exactly what the mapping gave last time, still held as such: unchanged, as the writer would count it.
          summary.selected += shortcut.count;
          summary.unchanged += shortcut.count;
          if (shortcut.keys.length > 0) options.order?.gate.handled(options.order.index, shortcut.keys);
          continue;
        }
        await yieldWhenSliceSpent();
        const result = await mapper.mapItem(item);
        mappingErrors += countMapping(summary, result, options.tally);
        // Only an item whose mapping said nothing but its entities is remembered: a shortcut must count the same.
        const remember = digest !== undefined && isPlain(result);
        await buffer.add(remember ? { entities: result.entities, digest } : { entities: result.entities });
      }
      // A later kind waiting on what this one writes gets it a page at a time, not a batch at a time.
      if (options.order?.gate.awaited(options.order.index) === true) await buffer.flush();
      progress("listing");
    }
    await buffer.drain();
    listed = options.signal?.aborted !== true;
  } catch (error) {
    summary.status = options.signal?.aborted === true ? "aborted" : "failed";
    if (summary.status === "failed") tallyKindFailure(mapper.kind, error, options.tally);
    log.error({ error }, "Resync of the kind failed; nothing will be deleted in this run");
  }
  if (summary.status === "succeeded") {
    if (options.signal?.aborted === true) summary.status = "aborted";
    else if (summary.failed > 0) summary.status = "partial";
  }
  // Later kinds wait on this one's writes no longer, whatever happened to it.
  buffer.close();
  options.order?.gate.finished(options.order.index);
  summary.durationMs = options.now() - started;
  progress("done");
  return { summary, complete: listed && mappingErrors === 0 && droppedItems === 0, droppedItems };
}

export function emptyKind(mapper: ResourceMapper): KindSummary {
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
    unresolved: 0,
    warnings: 0,
    durationMs: 0,
  };
}

/**
 * The page's digests, and those whose item may skip mapping: known from the last successful resync, and each of
 * their entities still has its recorded content hash and (with a snapshot) was in the catalog when the run started,
 * the writer's own rule for "unchanged" (checked in the state, see {@link AgentState.unchangedItems}, which also
 * records their sightings for the reconcile, as the writer does).
 */
function unchangedItems(
  digests: NonNullable<KindRunOptions["digests"]>,
  page: readonly Json[],
  options: KindRunOptions,
): { digests: string[]; unchanged: Map<string, { count: number; keys: EntityKey[] }> } {
  const { state, record } = digests;
  const pageDigests = listedPageDigests(digests.fingerprint, page, {
    recall: (key) => state.pageDigests(key, record),
    remember: (key, fingerprint, list) => {
      if (record) state.rememberPageDigests(key, fingerprint, list);
    },
  });
  const unchanged = state.unchangedItems(pageDigests, {
    snapshotTaken: options.ledger.snapshotTaken,
    record,
    withKeys: options.order?.gate.tracksHandled(options.order.index) === true,
  });
  return { digests: pageDigests, unchanged };
}

/** No warning, no error, every entity tracked (a search-query identifier is always written): safe to replay. */
function isPlain(result: ItemResult): boolean {
  return (
    result.errors.length === 0 &&
    result.warnings.length === 0 &&
    result.counts.selected === result.entities.length &&
    result.entities.every((entity) => typeof entity.identifier === "string")
  );
}

/** Remembers the items all of whose entities the catalog now holds as mapped (written and accepted, or unchanged). */
function rememberSettled(
  digests: NonNullable<KindRunOptions["digests"]>,
  items: readonly { digest: string; start: number; count: number }[],
  batch: readonly CatalogEntity[],
  settledHashes: WriteOutcome["settled"],
): void {
  const settled: ({ digest: string; fingerprint: string } & RememberedItem)[] = [];
  for (const { digest, start, count } of items) {
    const entities: RememberedItem["entities"] = [];
    const targets = new Set<string>();
    for (let at = start; at < start + count; at++) {
      const entity = batch[at];
      const hash = settledHashes[at];
      if (entity === undefined || hash === null || hash === undefined || typeof entity.identifier !== "string") break;
      entities.push({ key: { blueprint: entity.blueprint, identifier: entity.identifier }, hash });
      addRelationTargets(entity, targets);
    }
    if (entities.length === count)
      settled.push({ digest, fingerprint: digests.fingerprint, entities, targets: [...targets] });
  }
  digests.state.rememberDigests(settled);
}

/** @returns the number of mapping errors of the item */
function countMapping(summary: KindSummary, result: ItemResult, tally: OutcomeTally): number {
  summary.selected += result.counts.selected;
  summary.warnings += result.warnings.length;
  for (const warning of result.warnings) tally.addWarning(summary.kind, warning.code, warning.path, warning.message);
  for (const error of result.errors) {
    summary.failed++;
    tally.addFailure(
      {
        cause: "mapping-error",
        kind: summary.kind,
        field: error.path,
        message: error.message,
        fix: `fix the jq at ${error.path} (bbrelay map runs the mapping on one item and shows what it gives)`,
      },
      error.element === undefined ? error.message : `element ${error.element}: ${error.message}`,
    );
  }
  return result.errors.length;
}

function countWrites(summary: KindSummary, outcome: WriteOutcome, tally: OutcomeTally): void {
  summary.created += outcome.counts.created;
  summary.updated += outcome.counts.updated;
  summary.unchanged += outcome.counts.unchanged;
  summary.failed += outcome.counts.failed;
  summary.unresolved += outcome.counts.unresolved;
  for (const failure of outcome.failures) {
    for (const problem of classifyCatalogFailure(failure)) {
      tally.addFailure(
        { ...problem, kind: summary.kind, blueprint: failure.blueprint },
        `${failure.blueprint}/${failure.identifier}`,
      );
    }
  }
}

/** Each dropped item is one failure of its kind; the samples name the pages. */
function tallyDropped(kind: Kind, dropped: DroppedItems, tally: OutcomeTally): void {
  for (let item = 0; item < dropped.count; item++)
    tally.addFailure(
      {
        cause: "items-dropped",
        kind,
        message: `Bitbucket listed items without the fields the relay reads (${dropped.problem}); they were not written and nothing of the kind was deleted`,
        fix: "look at the page named in the example (an unsupported Bitbucket version, or a proxy or plugin that alters answers: bbrelay doctor shows the version), then resync again",
      },
      `${dropped.request} (page ${dropped.page}): ${dropped.count} item(s), ${dropped.problem}`,
    );
}

function tallyKindFailure(kind: Kind, error: unknown, tally: OutcomeTally): void {
  const message = messageOf(error);
  if (error instanceof CatalogUnavailableError) {
    tally.addFailure(
      {
        cause: "catalog-unavailable",
        kind,
        message,
        fix: "bbrelay doctor checks the catalog's address and credentials",
      },
      message,
    );
    return;
  }
  const hint = isBitbucketError(error) ? error.details.hint : undefined;
  tally.addFailure(
    {
      cause: "listing-failed",
      kind,
      message,
      fix: hint ?? "bbrelay doctor checks Bitbucket; the next resync lists the kind again",
    },
    message,
  );
}

function progressOf(
  summary: KindSummary,
  phase: KindProgress["phase"],
  started: number,
  options: KindRunOptions,
): KindProgress {
  return {
    kind: summary.kind,
    resource: summary.resource,
    phase,
    listed: summary.listed,
    selected: summary.selected,
    written: summary.created + summary.updated,
    unchanged: summary.unchanged,
    failed: summary.failed,
    elapsedMs: options.now() - started,
  };
}
