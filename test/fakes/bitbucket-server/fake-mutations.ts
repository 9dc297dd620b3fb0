import type { ProjectRecord, PullRequestRecord, RepositoryRecord } from "./model";
import type { MutationContext, MutationResult, PullRequestInput, RepositoryInput } from "./mutations/mutation-context";
import { updateProject } from "./mutations/project-mutations";
import * as pr from "./mutations/pull-request-mutations";
import * as repo from "./mutations/repository-mutations";
import type { NewRepository } from "./records";

/**
 * The fake's mutation API: each method changes the state as Bitbucket would and sends the matching webhook
 * event to every hook whose scope covers it (see webhook-dispatcher.ts). Each resolves with the changed record
 * and the deliveries made (after they completed, unless the server dispatches in the background).
 */
export class FakeMutations {
  readonly #ctx: MutationContext;

  constructor(ctx: MutationContext) {
    this.#ctx = ctx;
  }

  // Projects
  renameProjectKey(input: {
    projectKey: string;
    newKey: string;
    actorSlug?: string;
  }): Promise<MutationResult<ProjectRecord>> {
    return updateProject(this.#ctx, input);
  }

  // Repositories
  createRepository(
    input: Omit<NewRepository, "projectId"> & { projectKey: string },
  ): Promise<MutationResult<RepositoryRecord>> {
    return repo.createRepository(this.#ctx, input);
  }
  deleteRepository(input: RepositoryInput): Promise<MutationResult<RepositoryRecord>> {
    return repo.deleteRepository(this.#ctx, input);
  }
  archiveRepository(input: RepositoryInput & { archived?: boolean }): Promise<MutationResult<RepositoryRecord>> {
    return repo.setArchived(this.#ctx, { ...input, archived: input.archived ?? true });
  }
  renameRepository(input: RepositoryInput & { name: string }): Promise<MutationResult<RepositoryRecord>> {
    return repo.renameRepository(this.#ctx, input);
  }
  moveRepository(input: RepositoryInput & { toProjectKey: string }): Promise<MutationResult<RepositoryRecord>> {
    return repo.moveRepository(this.#ctx, input);
  }
  forkRepository(
    input: RepositoryInput & { toProjectKey: string; name?: string },
  ): Promise<MutationResult<RepositoryRecord>> {
    return repo.forkRepository(this.#ctx, input);
  }
  pushCommits(input: RepositoryInput & repo.PushInput): Promise<MutationResult<string>> {
    return repo.pushCommits(this.#ctx, input);
  }
  synchronizeMirror(input: RepositoryInput): Promise<MutationResult<RepositoryRecord>> {
    return repo.synchronizeMirror(this.#ctx, input);
  }

  // Pull requests
  openPullRequest(input: pr.OpenPullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.openPullRequest(this.#ctx, input);
  }
  updatePullRequest(input: pr.UpdatePullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.updatePullRequest(this.#ctx, input);
  }
  mergePullRequest(input: PullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.mergePullRequest(this.#ctx, input);
  }
  declinePullRequest(input: PullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.declinePullRequest(this.#ctx, input);
  }
  reopenPullRequest(input: PullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.reopenPullRequest(this.#ctx, input);
  }
  deletePullRequest(input: PullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.deletePullRequest(this.#ctx, input);
  }
  updateReviewers(
    input: PullRequestInput & { add?: string[]; remove?: string[] },
  ): Promise<MutationResult<PullRequestRecord>> {
    return pr.updateReviewers(this.#ctx, input);
  }
  /** The reviewer is `actorSlug`. */
  approvePullRequest(input: PullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.reviewPullRequest(this.#ctx, { ...input, status: "APPROVED" });
  }
  /** "Needs work" (the UI says "Changes requested"; the event key is `pr:reviewer:needs_work`). */
  needsWorkPullRequest(input: PullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.reviewPullRequest(this.#ctx, { ...input, status: "NEEDS_WORK" });
  }
  unapprovePullRequest(input: PullRequestInput): Promise<MutationResult<PullRequestRecord>> {
    return pr.reviewPullRequest(this.#ctx, { ...input, status: "UNAPPROVED" });
  }
  addPullRequestComment(input: PullRequestInput & { text: string }): Promise<MutationResult<number>> {
    return pr.addComment(this.#ctx, input);
  }
  editPullRequestComment(
    input: PullRequestInput & { commentId: number; text: string },
  ): Promise<MutationResult<number>> {
    return pr.editComment(this.#ctx, input);
  }
  deletePullRequestComment(input: PullRequestInput & { commentId: number }): Promise<MutationResult<number>> {
    return pr.deleteComment(this.#ctx, input);
  }
}
