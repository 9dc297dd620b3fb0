/**
 * What an event or a resync item concerns, named the same way on both sides of the relay.
 *
 * Entity keys are the queue's ordering unit: the edge never leases two messages with the same key at once,
 * and the agent never processes two of them concurrently. They use Bitbucket's own natural keys
 * (project key, repository slug, pull-request id on the target repository), which are stable across the
 * REST API and webhook payloads; numeric ids are not always present in older payloads.
 */
export type EntityRef =
  | { kind: "project"; projectKey: string }
  | { kind: "repository"; projectKey: string; repositorySlug: string }
  | { kind: "pull-request"; projectKey: string; repositorySlug: string; pullRequestId: number };

export type EntityKind = EntityRef["kind"];

/**
 * @param ref the entity
 * @returns `project:KEY`, `repository:KEY/slug` or `pull-request:KEY/slug/id`
 */
export function entityKeyOf(ref: EntityRef): string {
  switch (ref.kind) {
    case "project":
      return `project:${ref.projectKey}`;
    case "repository":
      return `repository:${ref.projectKey}/${ref.repositorySlug}`;
    case "pull-request":
      return `pull-request:${ref.projectKey}/${ref.repositorySlug}/${ref.pullRequestId}`;
  }
}

/**
 * Inverse of {@link entityKeyOf}. Project keys and slugs never contain `/` in Bitbucket, so splitting is safe.
 * @returns the entity, or null when the text is not an entity key
 */
export function parseEntityKey(key: string): EntityRef | null {
  const colon = key.indexOf(":");
  if (colon < 0) return null;
  const kind = key.slice(0, colon);
  const parts = key.slice(colon + 1).split("/");
  if (parts.some((part) => part.length === 0)) return null;
  if (kind === "project" && parts.length === 1 && parts[0] !== undefined) {
    return { kind, projectKey: parts[0] };
  }
  if (kind === "repository" && parts.length === 2 && parts[0] !== undefined && parts[1] !== undefined) {
    return { kind, projectKey: parts[0], repositorySlug: parts[1] };
  }
  if (kind === "pull-request" && parts.length === 3 && parts[0] !== undefined && parts[1] !== undefined) {
    const id = Number(parts[2]);
    if (!Number.isSafeInteger(id) || id < 0) return null;
    return { kind, projectKey: parts[0], repositorySlug: parts[1], pullRequestId: id };
  }
  return null;
}
