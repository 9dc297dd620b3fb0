import type { FakeState } from "../fake-state";
import type { PullRequestRecord, RepositoryRecord, UserRecord } from "../model";
import type { SerializeContext } from "../serialize";
import type { DeliveryRecord, EventTarget, WebhookDispatcher } from "../webhook-dispatcher";

/** What the mutation functions share: state, serialisation, delivery, and lookups that fail loudly on misuse. */

export interface MutationContext {
  state: FakeState;
  ser: () => SerializeContext;
  dispatcher: WebhookDispatcher;
  /** The Bitbucket version the fake plays (payload details depend on it). */
  version: () => string;
}

/** One event to send once the state has changed. */
export interface PendingEvent {
  eventKey: string;
  payload: Record<string, unknown>;
  target: EventTarget;
}

/** What a mutation changed, and the webhook deliveries it caused (empty in background mode). */
export interface MutationResult<T> {
  value: T;
  deliveries: DeliveryRecord[];
}

export interface RepositoryInput {
  projectKey: string;
  repositorySlug: string;
  /** Who does it; default the first administrator. */
  actorSlug?: string;
}

export interface PullRequestInput extends RepositoryInput {
  pullRequestId: number;
}

export function actorOf(ctx: MutationContext, slug?: string): UserRecord {
  if (slug !== undefined) {
    const user = ctx.state.userBySlug(slug);
    if (user === undefined) throw new Error(`fake Bitbucket: no user ${slug}`);
    return user;
  }
  const users = [...ctx.state.users.values()];
  const admin = users.find((user) => user.globalPermission === "SYS_ADMIN") ?? users[0];
  if (admin === undefined) throw new Error("fake Bitbucket: no user to act as; add one first");
  return admin;
}

export function requireRepository(
  ctx: MutationContext,
  input: { projectKey: string; repositorySlug: string },
): RepositoryRecord {
  const repository = ctx.state.repositoryBySlug(input.projectKey, input.repositorySlug);
  if (repository === undefined)
    throw new Error(`fake Bitbucket: no repository ${input.projectKey}/${input.repositorySlug}`);
  return repository;
}

export function requirePullRequest(
  ctx: MutationContext,
  input: PullRequestInput,
): { repository: RepositoryRecord; pr: PullRequestRecord } {
  const repository = requireRepository(ctx, input);
  const pr = ctx.state.pullRequest(repository.id, input.pullRequestId);
  if (pr === undefined)
    throw new Error(
      `fake Bitbucket: no pull request ${input.projectKey}/${input.repositorySlug}#${input.pullRequestId}`,
    );
  return { repository, pr };
}

export function repositoryTarget(repository: RepositoryRecord): EventTarget {
  return { projectId: repository.projectId, repositoryId: repository.id };
}

export async function emit<T>(
  ctx: MutationContext,
  value: T,
  events: readonly PendingEvent[],
): Promise<MutationResult<T>> {
  const deliveries: DeliveryRecord[] = [];
  for (const event of events)
    deliveries.push(...(await ctx.dispatcher.dispatch(event.eventKey, event.payload, event.target)));
  return { value, deliveries };
}
