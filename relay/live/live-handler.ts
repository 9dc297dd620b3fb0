import { toRestDialect } from "../../shared/bitbucket/timestamp";
import type { EntityRef } from "../../shared/events/entity-ref";
import { routeEvent } from "../../shared/events/routing";
import type { LeasedMessage } from "../../shared/protocol/schema";
import type { BitbucketClient } from "../bitbucket/client";
import { isBitbucketError } from "../bitbucket/errors";
import { RepositoryWire } from "../bitbucket/schema";
import { CatalogUnavailableError } from "../catalog/catalog-unavailable-error";
import type { LoadedMapping } from "../config/mapping-loader";
import type { LiveFiles, PushedChange } from "../files/live-files";
import type { RepositoryFiles } from "../files/repository-files";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { Json } from "../mapping/engine";
import type { WriteFailure } from "../sync/entity-writer";
import { classifyCatalogFailure } from "../sync/failure-cause";
import type { ResyncSummary } from "../sync/resync-summary";
import { readEntity } from "./entity-reader";
import { field } from "./json-fields";
import type { LiveEntitySync, LiveSyncResult } from "./live-entity-sync";
import { type MessageHandler, type MessageOutcome, retryDelayMs } from "./message-outcome";
import { followProjectKeyChange, followRepositoryMove } from "./moves";
import type { ResyncCoordinator } from "./resync-coordinator";

/**
 * What the agent does with each leased message (the routing table in `shared/events/routing.ts` decides the action):
 * - `refresh`: re-read the entity over REST and write it as it is now; a 404 deletes it;
 * - `delete` (`pr:deleted`): delete what the payload's pull request maps to;
 * - `rename`: a renamed or moved repository, or a project whose key changed: the old entities go, the new ones come,
 *   and what is named after them follows;
 * - `refs-changed`: refresh the repository when its default branch moved (its latest commit, README, and the
 *   included files the push changed), and apply the files the push changed that a `file` resource or GitOps
 *   watches (an invalid GitOps file dead-letters the push with its reason);
 * - a `resync` message: one full resync (joined if one is already running).
 * Outcomes: ack after the catalog accepted every write; retry with a growing delay on transient failures (Bitbucket
 * or the catalog unreachable, rate limited); dead-letter what can never succeed (a payload that names nothing, an
 * entity the catalog refuses, a mapping that fails on it).
 */

export interface LiveHandlerOptions {
  client: BitbucketClient;
  mapping: LoadedMapping;
  sync: LiveEntitySync;
  resyncs: ResyncCoordinator;
  logger: Logger;
  /** Files a push changed (`file` kind, GitOps); none when absent. */
  files?: LiveFiles;
  /** Called after each resync that succeeded (for example to reconcile the webhooks with new projects). */
  afterResync?: (summary: ResyncSummary) => Promise<void>;
}

export class LiveHandler implements MessageHandler {
  readonly #options: LiveHandlerOptions;

  constructor(options: LiveHandlerOptions) {
    this.#options = options;
  }

  async handle(message: LeasedMessage, signal: AbortSignal): Promise<MessageOutcome> {
    try {
      if (message.type === "resync") return await this.#resync(message, signal);
      return await this.#event(message, signal);
    } catch (error) {
      return failureOutcome(error, message.attempts);
    }
  }

  async #resync(message: LeasedMessage, signal: AbortSignal): Promise<MessageOutcome> {
    const summary = await this.#options.resyncs.run(signal);
    if (summary.status === "aborted")
      return { action: "retry", delayMs: 0, reason: "the agent stopped during the resync" };
    if (summary.status === "failed") {
      const errors = summary.failures.map((failure) => `${failure.kind ?? "reconcile"}: ${failure.message}`);
      return {
        action: "retry",
        delayMs: retryDelayMs(message.attempts, 60_000, 3_600_000),
        reason: `resync failed: ${errors.slice(0, 3).join("; ") || summary.reconcile.reason || "see the agent's log"}`,
      };
    }
    await this.#options.afterResync?.(summary).catch((error: unknown) => {
      this.#options.logger.warn({ error: messageOf(error) }, "After-resync step failed");
    });
    return { action: "ack" };
  }

  async #event(message: LeasedMessage, signal: AbortSignal): Promise<MessageOutcome> {
    if (message.eventKey === undefined) return { action: "dead", reason: "an event message without an event key" };
    const routed = routeEvent(message.eventKey, message.payload);
    if (routed.result === "ping" || routed.result === "ignored") return { action: "ack" };
    if (routed.result === "invalid") return { action: "dead", reason: routed.reason };
    const payload = toRestDialect(message.payload);
    let result: LiveSyncResult;
    switch (routed.route.action) {
      case "refresh":
        result = await this.#refresh(routed.entity, lastKnown(routed.entity.kind, payload), signal);
        break;
      case "delete":
        result = await this.#options.sync.remove(
          routed.entity.kind,
          lastKnown(routed.entity.kind, payload) ?? null,
          new Set(),
          signal,
        );
        break;
      case "rename":
        result = await this.#rename(routed.entity, routed.previous, payload, signal);
        break;
      case "refs-changed": {
        const push = await this.#defaultBranchPush(routed.entity, payload);
        if (!push.moved) return { action: "ack" };
        const pushed = this.#pushed(payload, push);
        result = await this.#refresh(routed.entity, field(payload, "repository") ?? null, signal, pushed?.reader);
        if (pushed === undefined) break;
        const invalidFiles = await this.#pushedFiles(pushed, result, signal);
        return withInvalidFiles(outcomeOf(result, message.attempts), invalidFiles);
      }
    }
    return outcomeOf(result, message.attempts);
  }

  async #refresh(
    ref: EntityRef,
    known: Json | null | undefined,
    signal: AbortSignal,
    files?: RepositoryFiles,
  ): Promise<LiveSyncResult> {
    const current = await readEntity(this.#options.client, this.#options.mapping, ref, files);
    if (current === null) return this.#options.sync.remove(ref.kind, known ?? null, new Set(), signal);
    return this.#options.sync.apply(ref.kind, current, signal);
  }

  async #rename(
    ref: EntityRef,
    previous: EntityRef | undefined,
    payload: Json,
    signal: AbortSignal,
  ): Promise<LiveSyncResult> {
    const old = field(payload, "old");
    if (previous === undefined || old === undefined) return this.#refresh(ref, field(payload, "new") ?? null, signal);
    const current = await readEntity(this.#options.client, this.#options.mapping, ref);
    // Renamed again (or deleted) since: the next event, or the next resync, settles it. Remove the old side now.
    if (current === null) return this.#options.sync.remove(ref.kind, old, new Set(), signal);
    const context = { client: this.#options.client, mapping: this.#options.mapping, sync: this.#options.sync, signal };
    return ref.kind === "project"
      ? followProjectKeyChange(context, old, current)
      : followRepositoryMove(context, old, current);
  }

  /**
   * Whether a push touched the default branch (or cannot tell: no changes listed, an empty repository), the
   * default branch's change when the payload names it, and the branch's head now.
   */
  async #defaultBranchPush(
    ref: EntityRef,
    payload: Json,
  ): Promise<{ moved: boolean; change?: PushedChange; head?: string }> {
    if (ref.kind !== "repository") return { moved: true };
    const changes = field(payload, "changes");
    if (!Array.isArray(changes) || changes.length === 0) return { moved: true };
    const branch = await this.#options.client.defaultBranch({
      projectKey: ref.projectKey,
      repositorySlug: ref.repositorySlug,
    });
    if (branch === null) return { moved: true };
    const change = changes.find(
      (entry) => field(entry, "refId") === branch.id || field(field(entry, "ref"), "id") === branch.id,
    );
    if (change === undefined) return { moved: false };
    const fromHash = field(change, "fromHash");
    const toHash = field(change, "toHash");
    if (typeof fromHash !== "string" || typeof toHash !== "string" || /^0+$/.test(toHash)) return { moved: true };
    const name = branch.displayId ?? branch.id.replace(/^refs\/heads\//, "");
    return {
      moved: true,
      change: { fromHash, toHash, branch: name },
      ...(branch.latestCommit === undefined ? {} : { head: branch.latestCommit }),
    };
  }

  /** A default-branch push the agent's file reading follows (relay/files/live-files.ts), with its file reader. */
  #pushed(
    payload: Json,
    push: { change?: PushedChange; head?: string },
  ): { files: LiveFiles; repository: RepositoryWire; change: PushedChange; reader: RepositoryFiles } | undefined {
    const files = this.#options.files;
    if (files === undefined || push.change === undefined) return undefined;
    const repository = RepositoryWire.safeParse(field(payload, "repository"));
    if (!repository.success) return undefined;
    const reader = files.readerFor(repository.data, push.change, push.head);
    return { files, repository: repository.data, change: push.change, reader };
  }

  /**
   * Applies the files the push changed that the mapping or GitOps watches. Refused writes and the mapping's errors
   * join the event's result (the same rule as any event: dead letter, or retry when transient).
   * @returns the GitOps files that are not valid (the push cannot be applied in full by retrying it)
   */
  async #pushedFiles(
    pushed: { files: LiveFiles; repository: RepositoryWire; change: PushedChange; reader: RepositoryFiles },
    result: LiveSyncResult,
    signal: AbortSignal,
  ): Promise<string[]> {
    if (!pushed.files.watching) return [];
    const outcome = await pushed.files.onPush(pushed.repository, pushed.change, signal, pushed.reader);
    result.written.push(...outcome.written);
    result.deleted.push(...outcome.deleted);
    result.failures.push(...outcome.failures);
    result.mappingErrors.push(...outcome.mappingErrors);
    // A file that gives no item is a warning, as in a resync.
    for (const problem of outcome.problems.slice(0, 5))
      this.#options.logger.warn({ problem }, "Push: a watched file gave no item");
    return outcome.invalidFiles;
  }
}

/**
 * An invalid GitOps file makes an otherwise applied push a dead letter naming the file and the problem's place:
 * retrying cannot fix it, and acking would hide it (the next push of a fixed file applies it).
 */
function withInvalidFiles(outcome: MessageOutcome, invalidFiles: readonly string[]): MessageOutcome {
  if (invalidFiles.length === 0 || outcome.action === "retry") return outcome;
  const reason = `GitOps file not valid, nothing of it was written or deleted (fix it and push again): ${invalidFiles.slice(0, 3).join("; ")}`;
  return { action: "dead", reason: outcome.action === "dead" ? `${outcome.reason}; ${reason}` : reason };
}

/** The object a payload carries for the entity: what a delete maps when Bitbucket no longer has it. */
function lastKnown(kind: EntityRef["kind"], payload: Json): Json | undefined {
  if (kind === "pull-request") return field(payload, "pullRequest");
  if (kind === "repository") return field(payload, "repository") ?? field(payload, "new");
  return field(payload, "new");
}

function outcomeOf(result: LiveSyncResult, attempts: number): MessageOutcome {
  if (result.mappingErrors.length > 0) {
    return { action: "dead", reason: `the mapping fails on this item: ${result.mappingErrors.slice(0, 3).join("; ")}` };
  }
  const transient = result.failures.filter((failure) => failure.transient);
  if (transient.length > 0) {
    return {
      action: "retry",
      delayMs: retryDelayMs(attempts),
      reason: `catalog: ${transient.slice(0, 3).map(describeFailure).join("; ")}`,
    };
  }
  if (result.failures.length > 0) {
    return {
      action: "dead",
      reason: `the catalog refused: ${result.failures.slice(0, 3).map(describeRefusal).join("; ")}`,
    };
  }
  return { action: "ack" };
}

function describeFailure(failure: WriteFailure): string {
  return `${failure.blueprint}/${failure.identifier}: ${failure.status} ${failure.code}: ${failure.message}`;
}

/** A refused write, with the fix for each problem (a dead letter is read by someone who must act on it). */
function describeRefusal(failure: WriteFailure): string {
  const fixes = [...new Set(classifyCatalogFailure(failure).map((problem) => problem.fix))];
  return `${describeFailure(failure)} (fix: ${fixes.join("; ")})`;
}

/** Failures that reach the handler as exceptions: Bitbucket or the catalog as a whole. */
function failureOutcome(error: unknown, attempts: number): MessageOutcome {
  const message = messageOf(error);
  if (isBitbucketError(error)) {
    if (error.kind === "aborted") return { action: "retry", delayMs: 0, reason: "the agent stopped" };
    // Bitbucket refused the request itself (400, 409, 415, 422…): the same request fails the same way each time.
    if (isPermanentStatus(error.status)) return { action: "dead", reason: `Bitbucket refused the request: ${message}` };
    // Credentials or permissions can be fixed by an operator: retry slowly; the edge dead-letters after its
    // maximum attempts, so an event that can never succeed does not loop.
    const slow = error.kind === "unauthorized" || error.kind === "forbidden";
    return { action: "retry", delayMs: retryDelayMs(attempts, slow ? 60_000 : 5_000), reason: `Bitbucket: ${message}` };
  }
  if (error instanceof CatalogUnavailableError) {
    if (error.kind === "aborted") return { action: "retry", delayMs: 0, reason: "the agent stopped" };
    return {
      action: "retry",
      delayMs: retryDelayMs(attempts, error.kind === "credentials" ? 60_000 : 5_000),
      reason: `catalog: ${message}`,
    };
  }
  throw error;
}

/**
 * A 4xx that retrying cannot change. Not 401 or 403: they are the agent's credentials or permissions, which an
 * operator fixes for every message at once (dead-lettering each event of the outage would leave them all to a
 * redrive); not 404 (the entity changed between two reads: the next attempt re-reads it); not 408 or 429.
 */
function isPermanentStatus(status: number | null): boolean {
  if (status === null || status < 400 || status >= 500) return false;
  return ![401, 403, 404, 408, 429].includes(status);
}
