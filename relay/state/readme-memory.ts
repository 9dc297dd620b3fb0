/**
 * The README of each repository as it was read at its default branch's head. A README is a file of the commit's
 * tree, and a commit never changes: the same head has the same README, so a repository whose head has not moved
 * is not asked for it again. A README cannot change without a push, and a push moves the head, so this loses
 * nothing. The size cap it was cut at is part of the key: a changed cap reads it again.
 */
export interface ReadmeMemory {
  /** @returns the README read at `head` (null: the repository had none), or undefined when not known */
  readmeAt(repository: string, head: string, cap: number): string | null | undefined;
  /** Replaces what was known of the repository's README. */
  rememberReadme(repository: string, head: string, cap: number, readme: string | null): void;
}
