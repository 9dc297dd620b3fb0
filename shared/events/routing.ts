import type { z } from "zod";
import {
  ProjectModifiedEventWire,
  PullRequestEventWire,
  RepositoryEventWire,
  RepositoryModifiedEventWire,
} from "../bitbucket/webhook-payloads";
import { type EntityKind, type EntityRef, entityKeyOf } from "./entity-ref";

/**
 * The one routing table of Bitbucket event keys, shared by the edge (which computes the entity at ingest to
 * order the queue) and the agent (which decides what to re-read and write).
 *
 * Bitbucket sends no create or delete events for projects and repositories (reference §5.3): those are healed
 * by full resyncs. Every event is treated as "this entity may have changed"; the agent re-reads it over REST.
 */

/** What the agent does with an event. */
export type EventAction =
  /** Re-read the entity over REST and upsert what is true now; a 404 deletes it. */
  | "refresh"
  /** Delete the entity the payload describes (`pr:deleted`: the PR is gone, REST cannot help). */
  | "delete"
  /** `repo:modified` / `project:modified`: when the key changed, delete the old entity, then refresh the new one. */
  | "rename"
  /** `repo:refs_changed`: refresh the repository only when its default branch moved. */
  | "refs-changed";

export interface EventRoute {
  readonly kind: EntityKind;
  readonly action: EventAction;
  /**
   * Whether Bitbucket accepts the key when a webhook is created. Documented aliases that the server rejects
   * (`pr:reviewer:changes_requested`) are still routed, defensively, but never subscribed to.
   */
  readonly subscribable: boolean;
  /** The smallest Bitbucket version that sends it (webhooks arrived in 5.4; project hooks in 8.8). */
  readonly since: string;
}

const pullRequest = (action: EventAction, since = "5.4", subscribable = true): EventRoute => ({
  kind: "pull-request",
  action,
  subscribable,
  since,
});

export const EVENT_ROUTES: Readonly<Record<string, EventRoute>> = {
  "pr:opened": pullRequest("refresh"),
  "pr:modified": pullRequest("refresh", "5.10"),
  "pr:from_ref_updated": pullRequest("refresh", "7.0"),
  "pr:merged": pullRequest("refresh"),
  "pr:declined": pullRequest("refresh"),
  "pr:deleted": pullRequest("delete"),
  "pr:reviewer:updated": pullRequest("refresh"),
  "pr:reviewer:approved": pullRequest("refresh"),
  "pr:reviewer:unapproved": pullRequest("refresh"),
  "pr:reviewer:needs_work": pullRequest("refresh"),
  // The docs' name for needs_work; the server rejects it on webhook creation (reference §5.3).
  "pr:reviewer:changes_requested": pullRequest("refresh", "5.4", false),
  "pr:comment:added": pullRequest("refresh"),
  "pr:comment:edited": pullRequest("refresh"),
  "pr:comment:deleted": pullRequest("refresh"),
  "repo:modified": { kind: "repository", action: "rename", subscribable: true, since: "5.4" },
  "repo:refs_changed": { kind: "repository", action: "refs-changed", subscribable: true, since: "5.4" },
  "repo:forked": { kind: "repository", action: "refresh", subscribable: true, since: "5.4" },
  "mirror:repo_synchronized": { kind: "repository", action: "refresh", subscribable: true, since: "6.5" },
  "project:modified": { kind: "project", action: "rename", subscribable: true, since: "8.8" },
};

/**
 * The route of an event key, read from the table's own keys only: the table is a plain object, so a bare
 * `EVENT_ROUTES[key]` would answer `constructor`, `__proto__` or `toString` with what Object.prototype holds.
 */
export function routeOf(eventKey: string): EventRoute | undefined {
  return Object.hasOwn(EVENT_ROUTES, eventKey) ? EVENT_ROUTES[eventKey] : undefined;
}

/** Bitbucket's "Test connection": unsigned, body `{"test": true}`, never stored. */
export const PING_EVENT_KEY = "diagnostics:ping";

/** Event keys to subscribe to for a webhook of the given scope (project hooks may add `project:modified`). */
export function subscribableEventKeys(scope: "project" | "repository"): string[] {
  return Object.entries(EVENT_ROUTES)
    .filter(([, route]) => route.subscribable && (scope === "project" || route.kind !== "project"))
    .map(([key]) => key);
}

export type RoutedEvent =
  | {
      result: "routed";
      eventKey: string;
      route: EventRoute;
      entity: EntityRef;
      entityKey: string;
      /** For a rename or move: the entity as it was before, when it differs from `entity`. */
      previous?: EntityRef;
    }
  | { result: "ping" }
  | { result: "ignored"; eventKey: string; reason: string }
  | { result: "invalid"; eventKey: string; reason: string };

/**
 * Works out what an event concerns.
 * @param eventKey the body's `eventKey` (the edge has already checked it agrees with `X-Event-Key`)
 * @param payload the parsed JSON body
 * @returns `routed` with the entity; `ping`; `ignored` for keys we do not handle; `invalid` when a handled
 *   key's payload lacks the fields that name its entity
 */
export function routeEvent(eventKey: string, payload: unknown): RoutedEvent {
  if (eventKey === PING_EVENT_KEY) return { result: "ping" };
  const route = routeOf(eventKey);
  if (route === undefined) return { result: "ignored", eventKey, reason: `event key ${eventKey} is not handled` };
  const found = entityOf(route, payload);
  if (typeof found === "string") return { result: "invalid", eventKey, reason: found };
  const routed: RoutedEvent = {
    result: "routed",
    eventKey,
    route,
    entity: found.entity,
    entityKey: entityKeyOf(found.entity),
  };
  if (found.previous !== undefined && entityKeyOf(found.previous) !== routed.entityKey) {
    routed.previous = found.previous;
  }
  return routed;
}

function entityOf(route: EventRoute, payload: unknown): { entity: EntityRef; previous?: EntityRef } | string {
  if (route.kind === "pull-request") {
    const parsed = PullRequestEventWire.safeParse(payload);
    if (!parsed.success) return describe("pullRequest.id and pullRequest.toRef.repository", parsed.error);
    const pr = parsed.data.pullRequest;
    const repository = pr.toRef.repository;
    return {
      entity: {
        kind: "pull-request",
        projectKey: repository.project.key,
        repositorySlug: repository.slug,
        pullRequestId: pr.id,
      },
    };
  }
  if (route.kind === "repository" && route.action === "rename") {
    const parsed = RepositoryModifiedEventWire.safeParse(payload);
    if (!parsed.success) return describe("new.slug and new.project.key", parsed.error);
    const { old, new: current } = parsed.data;
    const entity = repositoryRef(current);
    return old === undefined ? { entity } : { entity, previous: repositoryRef(old) };
  }
  if (route.kind === "repository") {
    const parsed = RepositoryEventWire.safeParse(payload);
    if (!parsed.success) return describe("repository.slug and repository.project.key", parsed.error);
    return { entity: repositoryRef(parsed.data.repository) };
  }
  const parsed = ProjectModifiedEventWire.safeParse(payload);
  if (!parsed.success) return describe("new.key", parsed.error);
  const entity: EntityRef = { kind: "project", projectKey: parsed.data.new.key };
  const old = parsed.data.old;
  return old === undefined ? { entity } : { entity, previous: { kind: "project", projectKey: old.key } };
}

function repositoryRef(repository: { slug: string; project: { key: string } }): EntityRef {
  return { kind: "repository", projectKey: repository.project.key, repositorySlug: repository.slug };
}

function describe(needed: string, error: z.ZodError): string {
  const first = error.issues[0];
  const where = first === undefined || first.path.length === 0 ? "payload" : first.path.join(".");
  return `the payload must carry ${needed} (${where}: ${first?.message ?? "invalid"})`;
}
