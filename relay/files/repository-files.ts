import type { BitbucketClient } from "../bitbucket/client";
import { isBitbucketError } from "../bitbucket/errors";
import type { ChangeWire, RepositoryWire } from "../bitbucket/schema";
import type { FileStore, StoredRead } from "./file-store";

/**
 * Reads repository files for one run (a resync, or one live event): the default branch's tip once per repository,
 * then listings and contents at that commit, from the file store when it has them (a commit's files never change)
 * and from Bitbucket otherwise. When the repository moved since the store's listing, one request for the paths
 * changed since (`commits/{tip}/changes?since=`) carries the listing and every unchanged file over, so only the
 * files that changed are read again. Every reader of files (the `file` kind, `includedFiles`, GitOps) goes through one
 * instance per run, so a repository's tip and listing are asked for once whoever needs them.
 */

export interface Tip {
  /** The default branch's tip commit id. */
  commit: string;
  /** The default branch's name (`main`). */
  branch: string;
}

export class RepositoryFiles {
  readonly #client: BitbucketClient;
  readonly #store: FileStore | null;
  readonly #tips = new Map<string, Promise<Tip | null>>();
  readonly #listings = new Map<string, Promise<string[]>>();
  readonly #changes = new Map<string, Promise<ChangeWire[]>>();
  /** Per repository: a push's commits (to, from), whose changed paths may be asked to carry unchanged files over. */
  readonly #pushes = new Map<string, { to: string; from: string }>();
  /** Per repository and commit: the store's older commit and the paths changed since, or null (nothing to carry). */
  readonly #carry = new Map<string, Promise<{ since: string; changed: Set<string>; listing: string[] } | null>>();

  constructor(client: BitbucketClient, store: FileStore | null) {
    this.#client = client;
    this.#store = store;
  }

  /** @returns the default branch's tip, or null for an empty repository (or a default branch never created) */
  tip(repository: RepositoryWire): Promise<Tip | null> {
    const key = repositoryKey(repository);
    let tip = this.#tips.get(key);
    if (tip === undefined) {
      tip = this.#client
        .defaultBranch(refOf(repository))
        .then((branch) =>
          branch?.latestCommit === undefined
            ? null
            : { commit: branch.latestCommit, branch: branch.displayId ?? branch.id.replace(/^refs\/heads\//, "") },
        );
      this.#tips.set(key, tip);
    }
    return tip;
  }

  /** A tip already known (from a push's payload): no request for it. */
  knowTip(repository: RepositoryWire, tip: Tip): void {
    this.#tips.set(repositoryKey(repository), Promise.resolve(tip));
  }

  /**
   * A push moved the repository from `from` to `to`: a file read at `to` whose last read was at `from` is carried
   * over unless the push's changes (one request, shared with whoever else asks for them) name it. The live path's
   * `includedFiles` rely on it, so a push re-reads only the included files it changed.
   */
  knowPush(repository: RepositoryWire, to: string, from: string): void {
    this.#pushes.set(repositoryKey(repository), { to, from });
  }

  /** Every path at the commit. */
  paths(repository: RepositoryWire, commit: string): Promise<string[]> {
    const key = repositoryKey(repository);
    const memo = `${key}\u0000${commit}`;
    let listing = this.#listings.get(memo);
    if (listing === undefined) {
      listing = this.#listPaths(repository, key, commit);
      this.#listings.set(memo, listing);
    }
    return listing;
  }

  /** One file at the commit (`absent` when there is no such path). */
  async read(repository: RepositoryWire, commit: string, path: string): Promise<StoredRead> {
    const key = repositoryKey(repository);
    const cached = this.#store?.content(key, path, commit);
    if (cached !== undefined) return cached;
    const last = this.#store?.lastContent(key, path);
    // The push's own changes first: the listing's commit may be older than the push (no listing since).
    const byPush = last === undefined ? "unknown" : await this.#byPush(repository, key, commit, last.commit, path);
    if (last !== undefined && byPush === "unchanged") {
      this.#store?.putContent(key, path, commit, last.read);
      return last.read;
    }
    const carry = byPush === "changed" ? null : await this.#carried(repository, key, commit);
    if (carry !== null && last !== undefined && last.commit === carry.since && !carry.changed.has(path)) {
      this.#store?.putContent(key, path, commit, last.read);
      return last.read;
    }
    const read = (await this.#client.readFile({ ...refOf(repository), at: commit, path })) ?? { kind: "absent" };
    this.#store?.putContent(key, path, commit, read);
    return read;
  }

  /** What the push known for the repository, from `since` to `commit`, did to the path ("unknown": no such push). */
  async #byPush(
    repository: RepositoryWire,
    key: string,
    commit: string,
    since: string,
    path: string,
  ): Promise<"changed" | "unchanged" | "unknown"> {
    const push = this.#pushes.get(key);
    if (push === undefined || push.to !== commit || push.from !== since) return "unknown";
    let entries: ChangeWire[];
    try {
      entries = await this.changes(repository, commit, since);
    } catch (error) {
      if (isBitbucketError(error) && error.kind === "not-found") return "unknown";
      throw error;
    }
    const touched = entries.some((change) => change.path.toString === path || change.srcPath?.toString === path);
    return touched ? "changed" : "unchanged";
  }

  async #listPaths(repository: RepositoryWire, key: string, commit: string): Promise<string[]> {
    const cached = this.#store?.listing(key, commit);
    if (cached !== undefined) return cached;
    const carry = await this.#carried(repository, key, commit);
    if (carry !== null) {
      this.#store?.putListing(key, commit, carry.listing);
      return carry.listing;
    }
    const paths: string[] = [];
    for await (const page of this.#client.listFiles({ ...refOf(repository), at: commit })) paths.push(...page);
    this.#store?.putListing(key, commit, paths);
    return paths;
  }

  /** The paths changed from `since` to `commit` (`commits/{commit}/changes?since=`), asked once per run. */
  changes(repository: RepositoryWire, commit: string, since: string): Promise<ChangeWire[]> {
    const memo = `${repositoryKey(repository)}\u0000${commit}\u0000${since}`;
    let changes = this.#changes.get(memo);
    if (changes === undefined) {
      changes = (async () => {
        const entries: ChangeWire[] = [];
        for await (const page of this.#client.listChanges({ ...refOf(repository), commitId: commit, since }))
          entries.push(...page);
        return entries;
      })();
      this.#changes.set(memo, changes);
    }
    return changes;
  }

  /**
   * What changed since the commit of the store's listing (one request, paged), with the listing carried over; null
   * when the store has nothing older, or the older commit is gone (the listing is then taken anew).
   */
  #carried(repository: RepositoryWire, key: string, commit: string) {
    const memo = `${key}\u0000${commit}`;
    let carry = this.#carry.get(memo);
    if (carry === undefined) {
      carry = this.#changesSince(repository, key, commit);
      this.#carry.set(memo, carry);
    }
    return carry;
  }

  async #changesSince(repository: RepositoryWire, key: string, commit: string) {
    const last = this.#store?.lastListing(key);
    if (last === undefined || last.commit === commit) return null;
    const paths = new Set(last.paths);
    const changed = new Set<string>();
    let entries: ChangeWire[];
    try {
      entries = await this.changes(repository, commit, last.commit);
    } catch (error) {
      if (isBitbucketError(error) && error.kind === "not-found") return null;
      throw error;
    }
    for (const change of entries) {
      const path = change.path.toString;
      changed.add(path);
      if (change.type === "DELETE") paths.delete(path);
      else paths.add(path);
      const source = change.srcPath?.toString;
      if (source !== undefined) {
        changed.add(source);
        if (change.type === "MOVE") paths.delete(source);
      }
    }
    return { since: last.commit, changed, listing: [...paths].sort() };
  }
}

/** A repository's stable key: its id (a rename or a move keeps it), else `PROJECT/slug`. */
export function repositoryKey(repository: RepositoryWire): string {
  return typeof repository.id === "number" ? `#${repository.id}` : `${repository.project.key}/${repository.slug}`;
}

/** `PROJECT/slug`, for messages. */
export function repositoryName(repository: RepositoryWire): string {
  return `${repository.project.key}/${repository.slug}`;
}

function refOf(repository: RepositoryWire) {
  return { projectKey: repository.project.key, repositorySlug: repository.slug };
}
