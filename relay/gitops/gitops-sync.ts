import type { RepositoryWire } from "../bitbucket/schema";
import { type EntityKey, keyText } from "../catalog/catalog";
import { filePatternOf } from "../files/file-pattern";
import type { FileStore } from "../files/file-store";
import { type RepositoryFiles, repositoryKey, repositoryName, type Tip } from "../files/repository-files";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { EntityWriter, WriteFailure } from "../sync/entity-writer";
import type { GitOpsSummary } from "./gitops-summary";
import { declaredKeys, parseGitOpsFile } from "./port-yml";

/**
 * GitOps as Port's Git integrations do it: files on a repository's default branch (`port.yml` by default) declare
 * entities in Port's format, written with the `gitops` feature in their datasource (the writer's catalog), so the
 * exporter's reconcile never deletes them and theirs never deletes the exporter's. The file store keeps, per file,
 * what it declared when last read:
 * - a valid file writes what it declares and deletes what it declared before and no longer does;
 * - a deleted file deletes everything it declared;
 * - an invalid file changes nothing (reported, with the reason);
 * - an entity the catalog refuses is a counted failure with the catalog's reason.
 * An entity another file still declares is never deleted because one file dropped it.
 */

export interface GitOpsSyncOptions {
  /** Paths (or globs) from a repository's root: `BBRELAY_GITOPS_FILES`. */
  fileNames: readonly string[];
  store: FileStore;
  /** Writes through the catalog opened with the `gitops` feature. */
  writer: EntityWriter;
  deleteDependents: boolean;
  logger: Logger;
}

const KEPT = 5;

export class GitOpsSync {
  readonly #options: GitOpsSyncOptions;
  readonly #patterns;

  constructor(options: GitOpsSyncOptions) {
    this.#options = options;
    this.#patterns = options.fileNames.map((path) => filePatternOf({ path, skipParsing: false }));
  }

  /** Whether a repository path is a GitOps file. */
  watches(path: string): boolean {
    return this.#patterns.some((pattern) => pattern.matches(path));
  }

  /**
   * Every GitOps file of the repository at the tip: written; files the store knew that are gone: deleted.
   * One read per plain file name (none when the store has it at this commit), plus the listing for globs.
   */
  async syncRepository(
    repository: RepositoryWire,
    files: RepositoryFiles,
    summary: GitOpsSummary,
    signal?: AbortSignal,
  ): Promise<void> {
    const tip = await files.tip(repository);
    summary.repositories++;
    const key = repositoryKey(repository);
    const present = new Set<string>();
    if (tip !== null) {
      const plain = this.#patterns.flatMap((pattern) => (pattern.plainPath === null ? [] : [pattern.plainPath]));
      const globbed = this.#patterns.some((pattern) => pattern.plainPath === null)
        ? (await files.paths(repository, tip.commit)).filter((path) => this.watches(path))
        : [];
      for (const path of [...new Set([...plain, ...globbed])]) {
        if (await this.applyFile(repository, files, tip, path, summary, signal)) present.add(path);
      }
    }
    for (const known of this.#options.store.allDeclared()) {
      if (known.repository === key && !present.has(known.path))
        await this.removeFile(repository, known.path, summary, signal);
    }
    for (const invalid of this.#options.store.invalidFiles()) {
      if (invalid.repository === key && !present.has(invalid.path)) this.#options.store.clearInvalid(key, invalid.path);
    }
  }

  /**
   * Reads one GitOps file at the tip and applies it. `refusals`, when given, receives each write or delete the
   * catalog refused as it came (the live path decides from them whether to retry or dead-letter the push).
   * @returns whether the file exists there
   */
  async applyFile(
    repository: RepositoryWire,
    files: RepositoryFiles,
    tip: Tip,
    path: string,
    summary: GitOpsSummary,
    signal?: AbortSignal,
    refusals?: WriteFailure[],
  ): Promise<boolean> {
    const read = await files.read(repository, tip.commit, path);
    if (read.kind === "absent") {
      await this.removeFile(repository, path, summary, signal, refusals);
      return false;
    }
    summary.files++;
    const file = `${repositoryName(repository)}/${path}`;
    const key = repositoryKey(repository);
    if (read.kind !== "text") {
      const reason = read.kind === "binary" ? "a binary file" : `larger than ${read.maxBytes} bytes`;
      this.#invalid(summary, key, path, file, reason);
      return true;
    }
    const parsed = parseGitOpsFile(read.text);
    if (parsed.kind === "invalid") {
      this.#invalid(summary, key, path, file, parsed.reason);
      return true;
    }
    this.#options.store.clearInvalid(key, path);
    const outcome = await this.#options.writer.write(parsed.entities, signal === undefined ? {} : { signal });
    summary.created += outcome.counts.created;
    summary.updated += outcome.counts.updated;
    summary.unchanged += outcome.counts.unchanged;
    summary.failed += outcome.counts.failed;
    refusals?.push(...outcome.failures);
    for (const failure of outcome.failures)
      this.#failure(summary, `${failure.blueprint}/${failure.identifier} (${file}): ${failure.message}`);
    const declared = declaredKeys(parsed.entities);
    const before = this.#options.store.declared(key, path) ?? [];
    const now = new Set(declared.map(keyText));
    await this.#delete(
      key,
      path,
      before.filter((entity) => !now.has(keyText(entity))),
      summary,
      signal,
      refusals,
    );
    this.#options.store.putDeclared(key, path, declared);
    return true;
  }

  /** The file is gone: what it declared goes (unless another file declares it). */
  async removeFile(
    repository: RepositoryWire | string,
    path: string,
    summary: GitOpsSummary,
    signal?: AbortSignal,
    refusals?: WriteFailure[],
  ): Promise<void> {
    const key = typeof repository === "string" ? repository : repositoryKey(repository);
    this.#options.store.clearInvalid(key, path);
    const before = this.#options.store.declared(key, path);
    if (before === undefined) return;
    await this.#delete(key, path, before, summary, signal, refusals);
    this.#options.store.forgetDeclared(key, path);
  }

  /**
   * After a resync that saw every repository: files of repositories it did not see (deleted, or out of reach) are
   * gone, and so is what they declared.
   */
  async sweep(seen: ReadonlySet<string>, summary: GitOpsSummary, signal?: AbortSignal): Promise<void> {
    for (const known of this.#options.store.allDeclared()) {
      if (!seen.has(known.repository)) await this.removeFile(known.repository, known.path, summary, signal);
    }
    for (const invalid of this.#options.store.invalidFiles()) {
      if (!seen.has(invalid.repository)) this.#options.store.clearInvalid(invalid.repository, invalid.path);
    }
  }

  async #delete(
    repository: string,
    path: string,
    keys: readonly EntityKey[],
    summary: GitOpsSummary,
    signal?: AbortSignal,
    refusals?: WriteFailure[],
  ): Promise<void> {
    if (keys.length === 0) return;
    const elsewhere = new Set<string>();
    for (const other of this.#options.store.allDeclared()) {
      if (other.repository === repository && other.path === path) continue;
      for (const entity of other.keys) elsewhere.add(keyText(entity));
    }
    const doomed = keys.filter((entity) => !elsewhere.has(keyText(entity)));
    if (doomed.length === 0) return;
    try {
      const { deleted, failures } = await this.#options.writer.delete(doomed, {
        deleteDependents: this.#options.deleteDependents,
        ...(signal === undefined ? {} : { signal }),
      });
      summary.deleted += deleted.length;
      summary.failed += failures.length;
      refusals?.push(...failures);
      for (const failure of failures)
        this.#failure(summary, `delete ${failure.blueprint}/${failure.identifier}: ${failure.message}`);
    } catch (error) {
      summary.failed += doomed.length;
      this.#failure(summary, `delete: ${messageOf(error)}`);
      throw error;
    }
  }

  #invalid(summary: GitOpsSummary, repository: string, path: string, file: string, reason: string): void {
    this.#options.logger.warn({ file, reason }, "GitOps file is not valid; nothing of it was written or deleted");
    // Kept until the file is read valid or gone: `bbrelay doctor` reports it, whichever path read it.
    this.#options.store.putInvalid(repository, path, file, reason);
    summary.invalid++;
    if (summary.invalidFiles.length < KEPT) summary.invalidFiles.push({ file, reason });
    summary.status = summary.status === "failed" ? "failed" : "partial";
  }

  #failure(summary: GitOpsSummary, message: string): void {
    if (summary.failures.length < KEPT) summary.failures.push(message);
    summary.status = summary.status === "failed" ? "failed" : "partial";
  }
}
