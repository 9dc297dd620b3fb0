/**
 * The fake Bitbucket's domain records. Wire JSON is built from them on every response (serialize.ts), so that a
 * rename or a merge shows up consistently in every endpoint and every webhook payload. Records refer to each other
 * by numeric id, as Bitbucket does: a renamed repository keeps its pull requests and its webhooks.
 */

export type GlobalPermission = "LICENSED_USER" | "PROJECT_CREATE" | "ADMIN" | "SYS_ADMIN";
export type ResourcePermission =
  | "PROJECT_READ"
  | "PROJECT_WRITE"
  | "PROJECT_ADMIN"
  | "REPO_READ"
  | "REPO_WRITE"
  | "REPO_ADMIN";

export interface UserRecord {
  id: number;
  name: string;
  slug: string;
  displayName: string;
  emailAddress?: string;
  active: boolean;
  type: "NORMAL" | "SERVICE";
  directoryName: string;
  lastAuthenticationTimestamp?: number;
  globalPermission: GlobalPermission | null;
}

export interface ProjectRecord {
  id: number;
  key: string;
  name: string;
  description?: string;
  public: boolean;
  type: "NORMAL" | "PERSONAL";
  /** Personal projects (`~SLUG`) belong to a user. */
  ownerId?: number;
}

/** A file's bytes: text as a string, anything else (images, archives) as bytes. */
export type FileContent = string | Uint8Array;

export interface CommitRecord {
  id: string;
  message: string;
  authorId: number;
  authorTimestamp: number;
  committerTimestamp: number;
  parents: string[];
  /** Every file at this commit, by path (a snapshot: later commits get their own map). */
  tree: ReadonlyMap<string, FileContent>;
}

export interface RepositoryRecord {
  id: number;
  slug: string;
  name: string;
  description?: string;
  projectId: number;
  hierarchyId: string;
  state: "AVAILABLE" | "INITIALISING" | "OFFLINE";
  forkable: boolean;
  public: boolean;
  archived: boolean;
  /** The fork's source repository. */
  originId?: number;
  /** The configured default branch (it may not exist yet). */
  defaultBranch: string;
  /** Branch name → tip commit id. Empty for an empty repository. Files live in the commits' trees. */
  branches: Map<string, string>;
}

export type ParticipantStatus = "UNAPPROVED" | "NEEDS_WORK" | "APPROVED";

export interface ParticipantRecord {
  userId: number;
  role: "AUTHOR" | "REVIEWER" | "PARTICIPANT";
  approved: boolean;
  status: ParticipantStatus;
  lastReviewedCommit?: string;
}

export interface CommentRecord {
  id: number;
  version: number;
  text: string;
  authorId: number;
  createdDate: number;
  updatedDate: number;
}

export interface PullRequestRef {
  repositoryId: number;
  branch: string;
  latestCommit: string;
}

export type PullRequestState = "OPEN" | "MERGED" | "DECLINED";

export interface PullRequestRecord {
  /** Per target repository. */
  id: number;
  version: number;
  title: string;
  description?: string;
  state: PullRequestState;
  draft: boolean;
  createdDate: number;
  updatedDate: number;
  closedDate?: number;
  fromRef: PullRequestRef;
  toRef: PullRequestRef;
  authorId: number;
  reviewers: ParticipantRecord[];
  participants: ParticipantRecord[];
  mergeOutcome: "CLEAN" | "CONFLICTED" | "UNKNOWN";
  mergeCommit?: string;
  comments: CommentRecord[];
  openTaskCount: number;
  resolvedTaskCount: number;
}

export type WebhookScopeRecord = { type: "project"; projectId: number } | { type: "repository"; repositoryId: number };

export type InvocationOutcome = "SUCCESS" | "FAILURE" | "ERROR";

export interface InvocationRecord {
  id: number;
  event: string;
  eventScope: { type: "project" | "repository"; id: string };
  duration: number;
  start: number;
  finish: number;
  request: { url: string; method: "POST" };
  result: { outcome: InvocationOutcome; description: string };
}

export interface WebhookRecord {
  id: number;
  scope: WebhookScopeRecord;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  configuration: Record<string, string>;
  sslVerificationRequired: boolean;
  credentials?: { username: string; password: string };
  createdDate: number;
  updatedDate: number;
  /** Delivery outcomes, newest last; what the statistics endpoints report. */
  invocations: InvocationRecord[];
  /** Circuit breaker (reference §5.7): 5 consecutive failures → skipped for 10 s, doubling up to 10 h. */
  consecutiveFailures: number;
  skippedUntil: number;
  skipped: number;
}

/** What a request is authenticated as. */
export type Principal =
  | { kind: "anonymous" }
  | {
      kind: "user";
      user: UserRecord;
      /** Set for HTTP access tokens: the most they allow, and for project/repository tokens where. */
      token?: TokenRecord;
    };

export interface TokenRecord {
  token: string;
  /** The owner (user tokens) or the synthetic service user (project and repository tokens). */
  userId: number;
  scope: { type: "user" } | { type: "project"; projectId: number } | { type: "repository"; repositoryId: number };
  /** At most one PROJECT_* and one REPO_* (reference §1.1); tokens never hold ADMIN. */
  permissions: ResourcePermission[];
}

/** A permission given to a user on a project or a repository. */
export interface GrantRecord {
  userId: number;
  target: { type: "project"; projectId: number } | { type: "repository"; repositoryId: number };
  permission: ResourcePermission;
}
