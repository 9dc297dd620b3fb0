import type { BitbucketClient } from "../bitbucket/client";
import { isPersonalProject, type RepositoryWire } from "../bitbucket/schema";
import { type EntityKey, keyText } from "../catalog/catalog";
import { type LoadedMapping, mappersOfKind } from "../config/mapping-loader";
import { emptyGitOpsSummary } from "../gitops/gitops-summary";
import type { GitOpsSync } from "../gitops/gitops-sync";
import type { Logger } from "../log/logger";
import type { Json } from "../mapping/engine";
import type { ResourceMapper } from "../mapping/resource-mapper";
import { repositoryNeedsOf } from "../sync/enrich-repository";
import type { EntityWriter, WriteFailure } from "../sync/entity-writer";
import { trackedKey } from "../sync/entity-writer";
import { inRepos, itemsOfFile } from "./file-items";
import { filePatternOf } from "./file-pattern";
import type { FileStore } from "./file-store";
import { RepositoryFiles, repositoryName, type Tip } from "./repository-files";

/**
 * What a push to a repository's default branch does to files: one request for the paths it changed
 * (`commits/{to}/changes?since={from}`), then only the changed files that a `file` resource or GitOps watches are
 * read, at the pushed commit (and, for the `file` kind, at the previous one, which the file store usually has):
 * - `file` kind: the entities of the new version are written, those of the old version it no longer gives deleted;
 *   a deleted file deletes its entities;
 * - GitOps: the file is applied (relay/gitops/gitops-sync.ts); a deleted one deletes what it declared.
 * A push that created the default branch (no previous commit) reads every watched file. A missed push is healed
 * by the next resync, which reads every repository at its tip.
 *
 * What could not be applied is told apart, so the live handler treats it as it treats any event: an entity the
 * catalog refused (a write or a delete) is a failure (a dead letter with the catalog's reason, or a retry when
 * transient); an invalid GitOps file and an item the mapping fails on can never be applied by retrying (dead
 * letters with the file and the problem's place); a `file` item that does not parse is a warning, as in a resync.
 */

export interface LiveFilesOptions {
  client: BitbucketClient;
  mapping: LoadedMapping;
  /** The exporter's writer (the `file` kind's entities). */
  writer: EntityWriter;
  store: FileStore;
  gitops?: GitOpsSync;
  logger: Logger;
}

export interface PushedChange {
  fromHash: string;
  toHash: string;
  /** The default branch's name. */
  branch: string;
}

export interface LiveFilesResult {
  written: EntityKey[];
  deleted: EntityKey[];
  /** Writes and deletes the catalog refused (the `file` kind's and GitOps's). */
  failures: WriteFailure[];
  /** Items of a changed file the mapping fails on: `P001/repo/package.json: .title: …`. */
  mappingErrors: string[];
  /** GitOps files that are not valid: `P001/repo/port.yml: [1].blueprint: must be a string`. */
  invalidFiles: string[];
  /** Changed `file` files that give no item (not JSON or YAML, binary, too large): warnings, as in a resync. */
  problems: string[];
  /** Files read (for the log). */
  read: number;
}

const ZERO = /^0+$/;

export class LiveFiles {
  readonly #options: LiveFilesOptions;

  constructor(options: LiveFilesOptions) {
    this.#options = options;
  }

  /** Whether any push could concern files (a `file` resource, or GitOps on): otherwise no request is made. */
  get watching(): boolean {
    return this.#options.gitops !== undefined || mappersOfKind(this.#options.mapping, "file").length > 0;
  }

  /**
   * The file reader of one push, shared by the repository's refresh (its `includedFiles`) and {@link onPush}: the
   * default branch's head known (`head`, from the handler's `branches/default`), and, when the push is what moved
   * it there, its changed paths (asked once, whoever asks first), so included files the push did not change come
   * from the file store instead of Bitbucket.
   */
  readerFor(repository: RepositoryWire, change: PushedChange, head: string | undefined): RepositoryFiles {
    const files = new RepositoryFiles(this.#options.client, this.#options.store);
    if (head === undefined) return files;
    files.knowTip(repository, { commit: head, branch: change.branch });
    if (
      head === change.toHash &&
      !ZERO.test(change.fromHash) &&
      repositoryNeedsOf(this.#options.mapping).includedFiles.length > 0
    )
      files.knowPush(repository, change.toHash, change.fromHash);
    return files;
  }

  async onPush(
    repository: RepositoryWire,
    change: PushedChange,
    signal?: AbortSignal,
    reader?: RepositoryFiles,
  ): Promise<LiveFilesResult> {
    const result: LiveFilesResult = {
      written: [],
      deleted: [],
      failures: [],
      mappingErrors: [],
      invalidFiles: [],
      problems: [],
      read: 0,
    };
    const mappers = mappersOfKind(this.#options.mapping, "file").filter((mapper) => covers(mapper, repository));
    const { gitops } = this.#options;
    if (mappers.length === 0 && gitops === undefined) return result;
    const tip: Tip = { commit: change.toHash, branch: change.branch };
    const files = reader ?? new RepositoryFiles(this.#options.client, this.#options.store);
    if (reader === undefined) files.knowTip(repository, tip);
    const watched = (path: string) =>
      gitops?.watches(path) === true ||
      mappers.some(
        (mapper) => mapper.resource.kind === "file" && filePatternOf(mapper.resource.selector.files).matches(path),
      );

    const changed = new Map<string, "changed" | "deleted">();
    if (ZERO.test(change.fromHash)) {
      for (const path of await files.paths(repository, tip.commit)) if (watched(path)) changed.set(path, "changed");
    } else {
      for (const entry of await files.changes(repository, change.toHash, change.fromHash)) {
        const path = entry.path.toString;
        const source = entry.srcPath?.toString;
        if (source !== undefined && entry.type === "MOVE" && watched(source)) changed.set(source, "deleted");
        if (watched(path)) changed.set(path, entry.type === "DELETE" ? "deleted" : "changed");
      }
    }

    for (const [path, what] of changed) {
      for (const mapper of mappers) {
        if (mapper.resource.kind !== "file" || !filePatternOf(mapper.resource.selector.files).matches(path)) continue;
        await this.#fileKind(mapper, repository, files, change, path, what, result, signal);
      }
      if (gitops?.watches(path) === true) {
        const summary = emptyGitOpsSummary();
        if (what === "deleted") await gitops.removeFile(repository, path, summary, signal, result.failures);
        else await gitops.applyFile(repository, files, tip, path, summary, signal, result.failures);
        result.read += what === "deleted" ? 0 : 1;
        for (const { file, reason } of summary.invalidFiles) result.invalidFiles.push(`${file}: ${reason}`);
      }
    }
    if (changed.size > 0)
      this.#options.logger.info(
        {
          repository: repositoryName(repository),
          files: [...changed.keys()],
          refused: result.failures.length,
          invalid: result.invalidFiles.length,
          warnings: result.problems.length,
        },
        "Push: watched files applied",
      );
    return result;
  }

  async #fileKind(
    mapper: ResourceMapper,
    repository: RepositoryWire,
    files: RepositoryFiles,
    change: PushedChange,
    path: string,
    what: "changed" | "deleted",
    result: LiveFilesResult,
    signal?: AbortSignal,
  ): Promise<void> {
    if (mapper.resource.kind !== "file") return;
    const skipParsing = mapper.resource.selector.files.skipParsing;
    const warn = (file: string, message: string) => result.problems.push(`${file}: ${message}`);
    const itemsAt = async (commit: string) => {
      result.read++;
      const read = await files.read(repository, commit, path);
      return itemsOfFile(repository, { commit, branch: change.branch }, path, read, skipParsing, warn);
    };
    const before = ZERO.test(change.fromHash) ? [] : await itemsAt(change.fromHash);
    const after = what === "deleted" ? [] : await itemsAt(change.toHash);
    const oldKeys = await this.#keys(mapper, before);
    const entities = [];
    for (const item of after) {
      const mapped = await mapper.mapItem(item);
      for (const error of mapped.errors)
        result.mappingErrors.push(`${repositoryName(repository)}/${path}: ${error.path}: ${error.message}`);
      entities.push(...mapped.entities);
    }
    if (entities.length > 0) {
      const outcome = await this.#options.writer.write(entities, signal === undefined ? {} : { signal });
      result.failures.push(...outcome.failures);
      const failed = new Set(outcome.failures.map((failure) => keyText(failure)));
      for (const entity of entities) {
        const key = trackedKey(entity);
        if (key !== null && !failed.has(keyText(key))) result.written.push(key);
      }
    }
    const kept = new Set(entities.map(trackedKey).flatMap((key) => (key === null ? [] : [keyText(key)])));
    const doomed = oldKeys.filter((key) => !kept.has(keyText(key)));
    if (doomed.length === 0) return;
    const { deleted, failures } = await this.#options.writer.delete(doomed, {
      deleteDependents: this.#options.mapping.config.deleteDependentEntities,
      ...(signal === undefined ? {} : { signal }),
    });
    result.deleted.push(...deleted);
    result.failures.push(...failures);
  }

  async #keys(mapper: ResourceMapper, items: readonly Json[]): Promise<EntityKey[]> {
    const keys: EntityKey[] = [];
    for (const item of items) {
      const mapped = await mapper.mapItem(item, { includeRejected: true });
      for (const entity of [...mapped.entities, ...mapped.rejected]) {
        const key = trackedKey(entity);
        if (key !== null) keys.push(key);
      }
    }
    return keys;
  }
}

/** Whether a resync of the `file` resource would read this repository (its project and repository selectors). */
function covers(mapper: ResourceMapper, repository: RepositoryWire): boolean {
  const resource = mapper.resource;
  if (resource.kind !== "file") return false;
  if (mapper.projectFilter !== null && !mapper.projectFilter(repository.project.key)) return false;
  if (isPersonalProject(repository.project) && !resource.selector.includePersonalProjects) return false;
  if (!resource.selector.includeArchived && repository.archived === true) return false;
  return inRepos(resource.selector.files.repos, repository);
}
