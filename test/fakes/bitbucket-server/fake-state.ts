import { createHash } from "node:crypto";
import type {
  CommitRecord,
  FileContent,
  GrantRecord,
  ProjectRecord,
  PullRequestRecord,
  RepositoryRecord,
  TokenRecord,
  UserRecord,
  WebhookRecord,
} from "./model";

/**
 * The fake's whole state, in memory. Ids are handed out in creation order, so a given seed always gives the
 * same instance. Lookups are linear scans on purpose: renames and moves change keys, ids never change.
 */

export interface FakeClock {
  now(): number;
}

type IdKind = "user" | "project" | "repository" | "webhook" | "comment" | "invocation" | "commit";

export class FakeState {
  readonly users = new Map<number, UserRecord>();
  readonly projects = new Map<number, ProjectRecord>();
  readonly repositories = new Map<number, RepositoryRecord>();
  readonly commits = new Map<string, CommitRecord>();
  /** Pull requests by target repository id. */
  readonly pullRequests = new Map<number, PullRequestRecord[]>();
  readonly webhooks = new Map<number, WebhookRecord>();
  /** Username → password (Basic auth). */
  readonly passwords = new Map<string, string>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly grants: GrantRecord[] = [];
  readonly #next: Record<IdKind, number> = {
    user: 1,
    project: 1,
    repository: 1,
    webhook: 1,
    comment: 1,
    invocation: 1,
    commit: 1,
  };

  constructor(readonly clock: FakeClock) {}

  nextId(kind: IdKind): number {
    const id = this.#next[kind];
    this.#next[kind] = id + 1;
    return id;
  }

  /** Keeps generated ids above ids taken from outside (the seed's samples). */
  reserveId(kind: IdKind, used: number): void {
    this.#next[kind] = Math.max(this.#next[kind], used + 1);
  }

  /** A deterministic 40-hex commit id. */
  newSha(): string {
    return createHash("sha1")
      .update(`commit-${this.nextId("commit")}`)
      .digest("hex");
  }

  userBySlug(slug: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.slug === slug) return user;
    return undefined;
  }

  userByName(name: string): UserRecord | undefined {
    for (const user of this.users.values()) if (user.name === name) return user;
    return undefined;
  }

  requireUser(id: number): UserRecord {
    const user = this.users.get(id);
    if (user === undefined) throw new Error(`fake Bitbucket: no user ${id}`);
    return user;
  }

  projectByKey(key: string): ProjectRecord | undefined {
    const wanted = key.toUpperCase();
    for (const project of this.projects.values()) if (project.key.toUpperCase() === wanted) return project;
    return undefined;
  }

  requireProject(id: number): ProjectRecord {
    const project = this.projects.get(id);
    if (project === undefined) throw new Error(`fake Bitbucket: no project ${id}`);
    return project;
  }

  repositoryBySlug(projectKey: string, slug: string): RepositoryRecord | undefined {
    const project = this.projectByKey(projectKey);
    if (project === undefined) return undefined;
    for (const repository of this.repositories.values()) {
      if (repository.projectId === project.id && repository.slug === slug.toLowerCase()) return repository;
    }
    return undefined;
  }

  requireRepository(id: number): RepositoryRecord {
    const repository = this.repositories.get(id);
    if (repository === undefined) throw new Error(`fake Bitbucket: no repository ${id}`);
    return repository;
  }

  /** A project's repositories, by slug. */
  repositoriesOf(projectId: number): RepositoryRecord[] {
    return [...this.repositories.values()].filter((repo) => repo.projectId === projectId).sort(bySlug);
  }

  pullRequestsOf(repositoryId: number): PullRequestRecord[] {
    let list = this.pullRequests.get(repositoryId);
    if (list === undefined) {
      list = [];
      this.pullRequests.set(repositoryId, list);
    }
    return list;
  }

  pullRequest(repositoryId: number, id: number): PullRequestRecord | undefined {
    return this.pullRequests.get(repositoryId)?.find((pr) => pr.id === id);
  }

  /** The commits reachable from `tip` along first parents, newest first. */
  history(tip: string | undefined): CommitRecord[] {
    const out: CommitRecord[] = [];
    let sha = tip;
    while (sha !== undefined) {
      const commit = this.commits.get(sha);
      if (commit === undefined) break;
      out.push(commit);
      sha = commit.parents[0];
    }
    return out;
  }

  /**
   * Adds a commit on top of a branch and moves the branch. Its tree is its first parent's with `files` applied
   * (`null` deletes a path). @returns the new commit
   */
  commit(
    repository: RepositoryRecord,
    branch: string,
    options: {
      authorId: number;
      message: string;
      parents?: string[];
      at?: number;
      id?: string;
      files?: Readonly<Record<string, FileContent | null>>;
    },
  ): CommitRecord {
    const now = options.at ?? this.clock.now();
    const parent = repository.branches.get(branch) ?? repository.branches.get(repository.defaultBranch);
    const parents = options.parents ?? (parent === undefined ? [] : [parent]);
    const base = this.commits.get(parents[0] ?? "")?.tree ?? new Map<string, FileContent>();
    const tree = applyFiles(base, options.files ?? {});
    const record: CommitRecord = {
      id: options.id ?? this.newSha(),
      message: options.message,
      authorId: options.authorId,
      authorTimestamp: now,
      committerTimestamp: now,
      parents,
      tree,
    };
    this.commits.set(record.id, record);
    repository.branches.set(branch, record.id);
    return record;
  }

  /**
   * Resolves `at` as Bitbucket does: absent → the default branch's tip; `refs/heads/x` or `x` → that branch's tip;
   * otherwise a commit id. @returns the commit, or undefined when nothing matches (or the repository is empty)
   */
  resolveAt(repository: RepositoryRecord, at: string | null): CommitRecord | undefined {
    const ref = at ?? repository.defaultBranch;
    const branch = ref.replace(/^refs\/heads\//, "");
    const id = repository.branches.get(branch) ?? ref;
    return this.commits.get(id);
  }

  /** The file at the default branch's tip, if any (for tests). */
  fileAt(repository: RepositoryRecord, path: string): FileContent | undefined {
    return this.resolveAt(repository, null)?.tree.get(path);
  }

  /**
   * Sets files in the default branch's tip as if they had always been there (no new commit, no event): how tests
   * and the seed put a README in place. A later commit starts from the changed tree.
   */
  amendFiles(repository: RepositoryRecord, files: Readonly<Record<string, FileContent | null>>): void {
    const tip = this.resolveAt(repository, null);
    if (tip === undefined) throw new Error(`fake Bitbucket: ${repository.slug} has no commit to put files in`);
    tip.tree = applyFiles(tip.tree, files);
  }
}

/** A new tree: `base` with `files` applied (`null` deletes a path). */
export function applyFiles(
  base: ReadonlyMap<string, FileContent>,
  files: Readonly<Record<string, FileContent | null>>,
): Map<string, FileContent> {
  const tree = new Map(base);
  for (const [path, content] of Object.entries(files)) {
    if (content === null) tree.delete(path);
    else tree.set(path, content);
  }
  return tree;
}

function bySlug(a: RepositoryRecord, b: RepositoryRecord): number {
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0;
}
