import type { FakeState } from "./fake-state";
import type {
  CommentRecord,
  CommitRecord,
  ParticipantRecord,
  ProjectRecord,
  PullRequestRecord,
  RepositoryRecord,
  UserRecord,
  WebhookRecord,
} from "./model";

/**
 * Wire JSON exactly as Bitbucket 9.x REST serialises it (reference §3; the seed's payload-*.json): epoch
 * milliseconds, `links` everywhere, `description` only when set, no `defaultBranch` on a repository, `closedDate`
 * only once closed, `properties.mergeCommit` on merged pull requests, `isDefault` on branches.
 */

export interface SerializeContext {
  state: FakeState;
  /** The server's own URL, context path included, as links use it. */
  baseUrl: string;
  /** Bitbucket < 8.0 has no `archived`. */
  hasArchived: boolean;
  /** The host name in SSH clone links. */
  host: string;
}

type Json = Record<string, unknown>;

function self(href: string): { self: { href: string }[] } {
  return { self: [{ href }] };
}

export function userJson(user: UserRecord, ctx: SerializeContext): Json {
  return {
    name: user.name,
    ...(user.emailAddress === undefined ? {} : { emailAddress: user.emailAddress }),
    active: user.active,
    displayName: user.displayName,
    id: user.id,
    slug: user.slug,
    type: user.type,
    links: self(`${ctx.baseUrl}/users/${encodeURIComponent(user.slug)}`),
  };
}

/** `/admin/users` adds directory details. */
export function adminUserJson(user: UserRecord, ctx: SerializeContext): Json {
  return {
    ...userJson(user, ctx),
    directoryName: user.directoryName,
    deletable: true,
    ...(user.lastAuthenticationTimestamp === undefined
      ? {}
      : { lastAuthenticationTimestamp: user.lastAuthenticationTimestamp }),
    mutableDetails: true,
    mutableGroups: true,
  };
}

export function projectJson(project: ProjectRecord, ctx: SerializeContext): Json {
  const owner = project.ownerId === undefined ? undefined : ctx.state.users.get(project.ownerId);
  const href =
    project.type === "PERSONAL" && owner !== undefined
      ? `${ctx.baseUrl}/users/${encodeURIComponent(owner.slug)}`
      : `${ctx.baseUrl}/projects/${project.key}`;
  return {
    key: project.key,
    id: project.id,
    name: project.name,
    ...(project.description === undefined ? {} : { description: project.description }),
    public: project.public,
    type: project.type,
    ...(owner === undefined ? {} : { owner: userJson(owner, ctx) }),
    links: self(href),
  };
}

export function repositoryJson(repository: RepositoryRecord, ctx: SerializeContext, withOrigin = true): Json {
  const project = ctx.state.requireProject(repository.projectId);
  const scmPath = `${project.key.toLowerCase()}/${repository.slug}.git`;
  const origin = repository.originId === undefined ? undefined : ctx.state.repositories.get(repository.originId);
  return {
    slug: repository.slug,
    id: repository.id,
    name: repository.name,
    ...(repository.description === undefined ? {} : { description: repository.description }),
    hierarchyId: repository.hierarchyId,
    scmId: "git",
    state: repository.state,
    statusMessage: repository.state === "AVAILABLE" ? "Available" : repository.state,
    forkable: repository.forkable,
    ...(origin !== undefined && withOrigin ? { origin: repositoryJson(origin, ctx, false) } : {}),
    project: projectJson(project, ctx),
    public: repository.public,
    ...(ctx.hasArchived ? { archived: repository.archived } : {}),
    links: {
      clone: [
        { href: `ssh://git@${ctx.host}:7999/${scmPath}`, name: "ssh" },
        { href: `${ctx.baseUrl}/scm/${scmPath}`, name: "http" },
      ],
      ...self(`${ctx.baseUrl}/projects/${project.key}/repos/${repository.slug}/browse`),
    },
  };
}

export function participantJson(participant: ParticipantRecord, ctx: SerializeContext): Json {
  return {
    user: userJson(ctx.state.requireUser(participant.userId), ctx),
    ...(participant.lastReviewedCommit === undefined ? {} : { lastReviewedCommit: participant.lastReviewedCommit }),
    role: participant.role,
    approved: participant.approved,
    status: participant.status,
  };
}

export function pullRequestJson(pr: PullRequestRecord, ctx: SerializeContext): Json {
  const ref = (side: PullRequestRecord["fromRef"]) => ({
    id: `refs/heads/${side.branch}`,
    displayId: side.branch,
    latestCommit: side.latestCommit,
    type: "BRANCH",
    repository: repositoryJson(ctx.state.requireRepository(side.repositoryId), ctx),
  });
  const target = ctx.state.requireRepository(pr.toRef.repositoryId);
  const project = ctx.state.requireProject(target.projectId);
  const closed = pr.state !== "OPEN";
  return {
    id: pr.id,
    version: pr.version,
    title: pr.title,
    ...(pr.description === undefined ? {} : { description: pr.description }),
    state: pr.state,
    open: !closed,
    closed,
    draft: pr.draft,
    createdDate: pr.createdDate,
    updatedDate: pr.updatedDate,
    ...(pr.closedDate === undefined ? {} : { closedDate: pr.closedDate }),
    fromRef: ref(pr.fromRef),
    toRef: ref(pr.toRef),
    locked: false,
    author: participantJson({ userId: pr.authorId, role: "AUTHOR", approved: false, status: "UNAPPROVED" }, ctx),
    reviewers: pr.reviewers.map((reviewer) => participantJson(reviewer, ctx)),
    participants: pr.participants.map((participant) => participantJson(participant, ctx)),
    properties: {
      ...(pr.mergeCommit === undefined
        ? {}
        : { mergeCommit: { displayId: pr.mergeCommit.slice(0, 11), id: pr.mergeCommit } }),
      mergeResult: { outcome: pr.mergeOutcome, current: pr.state === "OPEN" },
      resolvedTaskCount: pr.resolvedTaskCount,
      commentCount: pr.comments.length,
      openTaskCount: pr.openTaskCount,
    },
    links: self(`${ctx.baseUrl}/projects/${project.key}/repos/${target.slug}/pull-requests/${pr.id}`),
  };
}

export function commitJson(commit: CommitRecord, ctx: SerializeContext): Json {
  const author = ctx.state.users.get(commit.authorId);
  const person =
    author === undefined ? { name: "unknown", emailAddress: "unknown@example.com" } : userJson(author, ctx);
  return {
    id: commit.id,
    displayId: commit.id.slice(0, 11),
    author: person,
    authorTimestamp: commit.authorTimestamp,
    committer: person,
    committerTimestamp: commit.committerTimestamp,
    message: commit.message,
    parents: commit.parents.map((id) => ({ id, displayId: id.slice(0, 11) })),
  };
}

export function branchJson(repository: RepositoryRecord, name: string, tip: string): Json {
  return {
    id: `refs/heads/${name}`,
    displayId: name,
    type: "BRANCH",
    latestCommit: tip,
    latestChangeset: tip,
    isDefault: name === repository.defaultBranch,
  };
}

export function commentJson(comment: CommentRecord, repositoryId: number, ctx: SerializeContext): Json {
  return {
    properties: { repositoryId },
    id: comment.id,
    version: comment.version,
    text: comment.text,
    author: userJson(ctx.state.requireUser(comment.authorId), ctx),
    createdDate: comment.createdDate,
    updatedDate: comment.updatedDate,
    comments: [],
    tasks: [],
    severity: "NORMAL",
    state: "OPEN",
    threadResolved: false,
  };
}

/** Secrets are not read back unless the server is told to (reference §6: unverified; don't rely on it). */
export function webhookJson(hook: WebhookRecord, withSecret: boolean, statistics: Json | undefined): Json {
  const configuration = { ...hook.configuration };
  if (!withSecret) delete configuration.secret;
  return {
    id: hook.id,
    name: hook.name,
    createdDate: hook.createdDate,
    updatedDate: hook.updatedDate,
    events: hook.events,
    configuration,
    url: hook.url,
    active: hook.active,
    scopeType: hook.scope.type,
    sslVerificationRequired: hook.sslVerificationRequired,
    ...(statistics === undefined ? {} : { statistics }),
  };
}

/** The statistics summary (Bitbucket.Net model shapes; field-for-field unverified). */
export function webhookSummaryJson(hook: WebhookRecord, windowStart: number, now: number): Json {
  const last = (outcome: string) => [...hook.invocations].reverse().find((entry) => entry.result.outcome === outcome);
  const count = (outcome: string) => hook.invocations.filter((entry) => entry.result.outcome === outcome).length;
  const lastSuccess = last("SUCCESS");
  const lastFailure = last("FAILURE");
  const lastError = last("ERROR");
  return {
    ...(lastSuccess === undefined ? {} : { lastSuccess }),
    ...(lastFailure === undefined ? {} : { lastFailure }),
    ...(lastError === undefined ? {} : { lastError }),
    counts: {
      successes: count("SUCCESS"),
      failures: count("FAILURE"),
      errors: count("ERROR"),
      window: { start: windowStart, duration: now - windowStart },
    },
  };
}
