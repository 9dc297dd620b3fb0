import { basePayload } from "../event-payloads";
import type { ParticipantRecord, ParticipantStatus, PullRequestRecord, RepositoryRecord } from "../model";
import { addPullRequest } from "../records";
import { commentJson, participantJson, pullRequestJson, userJson } from "../serialize";
import {
  actorOf,
  emit,
  type MutationContext,
  type MutationResult,
  type PendingEvent,
  type PullRequestInput,
  type RepositoryInput,
  repositoryTarget,
  requirePullRequest,
  requireRepository,
} from "./mutation-context";
import { refsChangedEvent } from "./repository-mutations";

/**
 * Pull-request changes and the events Bitbucket sends for them (reference §5.3, §5.4). Every change bumps
 * `version` and `updatedDate`. Merging also moves the target branch, so it sends `repo:refs_changed` after
 * `pr:merged`, as a push to that branch would.
 */

function prEvent(
  ctx: MutationContext,
  eventKey: string,
  repository: RepositoryRecord,
  pr: PullRequestRecord,
  actorSlug: string | undefined,
  extra: Record<string, unknown> = {},
): PendingEvent {
  const ser = ctx.ser();
  const payload = {
    ...basePayload(eventKey, actorOf(ctx, actorSlug), ser),
    pullRequest: pullRequestJson(pr, ser),
    ...extra,
  };
  return { eventKey, payload, target: repositoryTarget(repository) };
}

function touch(ctx: MutationContext, pr: PullRequestRecord): void {
  pr.version++;
  pr.updatedDate = ctx.state.clock.now();
}

export interface OpenPullRequestInput extends RepositoryInput {
  title: string;
  fromBranch: string;
  toBranch?: string;
  /** A fork (or another repository) the changes come from; default the target itself. */
  from?: { projectKey: string; repositorySlug: string };
  description?: string;
  draft?: boolean;
  reviewerSlugs?: string[];
}

export async function openPullRequest(
  ctx: MutationContext,
  input: OpenPullRequestInput,
): Promise<MutationResult<PullRequestRecord>> {
  const target = requireRepository(ctx, input);
  const source = input.from === undefined ? target : requireRepository(ctx, input.from);
  const author = actorOf(ctx, input.actorSlug);
  const pr = addPullRequest(ctx.state, {
    target,
    source,
    fromBranch: input.fromBranch,
    ...(input.toBranch === undefined ? {} : { toBranch: input.toBranch }),
    title: input.title,
    ...(input.description === undefined ? {} : { description: input.description }),
    authorId: author.id,
    reviewerIds: (input.reviewerSlugs ?? []).map((slug) => actorOf(ctx, slug).id),
    draft: input.draft ?? false,
  });
  return emit(ctx, pr, [prEvent(ctx, "pr:opened", target, pr, input.actorSlug)]);
}

export interface UpdatePullRequestInput extends PullRequestInput {
  title?: string;
  description?: string;
  toBranch?: string;
  draft?: boolean;
}

export async function updatePullRequest(
  ctx: MutationContext,
  input: UpdatePullRequestInput,
): Promise<MutationResult<PullRequestRecord>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  const previous = { title: pr.title, description: pr.description ?? "", toRef: { ...pr.toRef }, draft: pr.draft };
  if (input.title !== undefined) pr.title = input.title;
  if (input.description !== undefined) pr.description = input.description;
  if (input.draft !== undefined) pr.draft = input.draft;
  if (input.toBranch !== undefined) {
    pr.toRef = {
      ...pr.toRef,
      branch: input.toBranch,
      latestCommit: repository.branches.get(input.toBranch) ?? pr.toRef.latestCommit,
    };
  }
  touch(ctx, pr);
  return emit(ctx, pr, [
    prEvent(ctx, "pr:modified", repository, pr, input.actorSlug, {
      previousTitle: previous.title,
      previousDescription: previous.description,
      previousTarget: {
        id: `refs/heads/${previous.toRef.branch}`,
        displayId: previous.toRef.branch,
        latestCommit: previous.toRef.latestCommit,
        type: "BRANCH",
      },
      previousDraft: previous.draft,
    }),
  ]);
}

export async function mergePullRequest(
  ctx: MutationContext,
  input: PullRequestInput,
): Promise<MutationResult<PullRequestRecord>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  if (pr.state !== "OPEN") throw new Error(`fake Bitbucket: pull request ${pr.id} is ${pr.state}, not OPEN`);
  const actor = actorOf(ctx, input.actorSlug);
  const fromHash = repository.branches.get(pr.toRef.branch) ?? "0".repeat(40);
  const merge = ctx.state.commit(repository, pr.toRef.branch, {
    authorId: actor.id,
    message: `Pull request #${pr.id}: ${pr.title}`,
    parents: [fromHash, pr.fromRef.latestCommit].filter((sha) => ctx.state.commits.has(sha)),
  });
  pr.state = "MERGED";
  pr.closedDate = ctx.state.clock.now();
  pr.mergeCommit = merge.id;
  pr.toRef = { ...pr.toRef, latestCommit: merge.id };
  touch(ctx, pr);
  return emit(ctx, pr, [
    prEvent(ctx, "pr:merged", repository, pr, input.actorSlug),
    refsChangedEvent(ctx, repository, actor, [{ branch: pr.toRef.branch, fromHash, toHash: merge.id }]),
  ]);
}

export async function declinePullRequest(
  ctx: MutationContext,
  input: PullRequestInput,
): Promise<MutationResult<PullRequestRecord>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  if (pr.state !== "OPEN") throw new Error(`fake Bitbucket: pull request ${pr.id} is ${pr.state}, not OPEN`);
  pr.state = "DECLINED";
  pr.closedDate = ctx.state.clock.now();
  touch(ctx, pr);
  return emit(ctx, pr, [prEvent(ctx, "pr:declined", repository, pr, input.actorSlug)]);
}

/** Re-opening a declined pull request sends `pr:opened` again. */
export async function reopenPullRequest(
  ctx: MutationContext,
  input: PullRequestInput,
): Promise<MutationResult<PullRequestRecord>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  if (pr.state !== "DECLINED") throw new Error(`fake Bitbucket: only a declined pull request can be re-opened`);
  pr.state = "OPEN";
  delete pr.closedDate;
  touch(ctx, pr);
  return emit(ctx, pr, [prEvent(ctx, "pr:opened", repository, pr, input.actorSlug)]);
}

/** `pr:deleted` carries the pull request as it was (often still OPEN). */
export async function deletePullRequest(
  ctx: MutationContext,
  input: PullRequestInput,
): Promise<MutationResult<PullRequestRecord>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  const event = prEvent(ctx, "pr:deleted", repository, pr, input.actorSlug);
  const list = ctx.state.pullRequestsOf(repository.id);
  list.splice(list.indexOf(pr), 1);
  return emit(ctx, pr, [event]);
}

export async function updateReviewers(
  ctx: MutationContext,
  input: PullRequestInput & { add?: string[]; remove?: string[] },
): Promise<MutationResult<PullRequestRecord>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  const ser = ctx.ser();
  const added = (input.add ?? [])
    .map((slug) => actorOf(ctx, slug))
    .filter((user) => !pr.reviewers.some((r) => r.userId === user.id));
  const removed = (input.remove ?? [])
    .map((slug) => actorOf(ctx, slug))
    .filter((user) => pr.reviewers.some((r) => r.userId === user.id));
  for (const user of added)
    pr.reviewers.push({ userId: user.id, role: "REVIEWER", approved: false, status: "UNAPPROVED" });
  pr.reviewers = pr.reviewers.filter((reviewer) => !removed.some((user) => user.id === reviewer.userId));
  touch(ctx, pr);
  return emit(ctx, pr, [
    prEvent(ctx, "pr:reviewer:updated", repository, pr, input.actorSlug, {
      addedReviewers: added.map((user) => userJson(user, ser)),
      removedReviewers: removed.map((user) => userJson(user, ser)),
    }),
  ]);
}

const REVIEW_EVENTS: Record<ParticipantStatus, string> = {
  APPROVED: "pr:reviewer:approved",
  NEEDS_WORK: "pr:reviewer:needs_work",
  UNAPPROVED: "pr:reviewer:unapproved",
};

/** Approve, "needs work" (UI: changes requested) or withdraw; the reviewer is `actorSlug`. */
export async function reviewPullRequest(
  ctx: MutationContext,
  input: PullRequestInput & { status: ParticipantStatus },
): Promise<MutationResult<PullRequestRecord>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  const reviewer = actorOf(ctx, input.actorSlug);
  let participant: ParticipantRecord | undefined = [...pr.reviewers, ...pr.participants].find(
    (p) => p.userId === reviewer.id,
  );
  if (participant === undefined) {
    participant = { userId: reviewer.id, role: "PARTICIPANT", approved: false, status: "UNAPPROVED" };
    pr.participants.push(participant);
  }
  const previousStatus = participant.status;
  participant.status = input.status;
  participant.approved = input.status === "APPROVED";
  participant.lastReviewedCommit = pr.fromRef.latestCommit;
  touch(ctx, pr);
  return emit(ctx, pr, [
    prEvent(ctx, REVIEW_EVENTS[input.status], repository, pr, input.actorSlug, {
      participant: participantJson(participant, ctx.ser()),
      previousStatus,
    }),
  ]);
}

export async function addComment(
  ctx: MutationContext,
  input: PullRequestInput & { text: string },
): Promise<MutationResult<number>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  const now = ctx.state.clock.now();
  const authorId = actorOf(ctx, input.actorSlug).id;
  const comment = {
    id: ctx.state.nextId("comment"),
    version: 0,
    text: input.text,
    authorId,
    createdDate: now,
    updatedDate: now,
  };
  pr.comments.push(comment);
  touch(ctx, pr);
  return emit(ctx, comment.id, [
    prEvent(ctx, "pr:comment:added", repository, pr, input.actorSlug, {
      comment: commentJson(comment, repository.id, ctx.ser()),
    }),
  ]);
}

export async function editComment(
  ctx: MutationContext,
  input: PullRequestInput & { commentId: number; text: string },
): Promise<MutationResult<number>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  const comment = pr.comments.find((c) => c.id === input.commentId);
  if (comment === undefined) throw new Error(`fake Bitbucket: no comment ${input.commentId}`);
  const previousComment = comment.text;
  Object.assign(comment, { text: input.text, version: comment.version + 1, updatedDate: ctx.state.clock.now() });
  touch(ctx, pr);
  return emit(ctx, comment.id, [
    prEvent(ctx, "pr:comment:edited", repository, pr, input.actorSlug, {
      comment: commentJson(comment, repository.id, ctx.ser()),
      previousComment,
    }),
  ]);
}

export async function deleteComment(
  ctx: MutationContext,
  input: PullRequestInput & { commentId: number },
): Promise<MutationResult<number>> {
  const { repository, pr } = requirePullRequest(ctx, input);
  const comment = pr.comments.find((c) => c.id === input.commentId);
  if (comment === undefined) throw new Error(`fake Bitbucket: no comment ${input.commentId}`);
  pr.comments.splice(pr.comments.indexOf(comment), 1);
  touch(ctx, pr);
  return emit(ctx, comment.id, [
    prEvent(ctx, "pr:comment:deleted", repository, pr, input.actorSlug, {
      comment: commentJson(comment, repository.id, ctx.ser()),
    }),
  ]);
}
