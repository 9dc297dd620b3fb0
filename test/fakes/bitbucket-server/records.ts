import { createHash } from "node:crypto";
import type { FakeState } from "./fake-state";
import type {
  FileContent,
  GlobalPermission,
  ProjectRecord,
  PullRequestRecord,
  RepositoryRecord,
  UserRecord,
} from "./model";

/**
 * Record constructors shared by the generator, the seed loader and the mutation API. They change state only;
 * they send no event (creating a project, a repository or a user has no webhook event in Bitbucket).
 */

export interface NewUser {
  name: string;
  slug?: string;
  displayName?: string;
  emailAddress?: string | null;
  active?: boolean;
  type?: "NORMAL" | "SERVICE";
  globalPermission?: GlobalPermission | null;
  password?: string;
  id?: number;
  lastAuthenticationTimestamp?: number;
}

export function addUser(state: FakeState, input: NewUser): UserRecord {
  const id = input.id ?? state.nextId("user");
  state.reserveId("user", id);
  const slug = input.slug ?? slugify(input.name);
  const user: UserRecord = {
    id,
    name: input.name,
    slug,
    displayName: input.displayName ?? input.name,
    ...(input.emailAddress === null ? {} : { emailAddress: input.emailAddress ?? `${slug}@example.com` }),
    active: input.active ?? true,
    type: input.type ?? "NORMAL",
    directoryName: "Bitbucket Internal Directory",
    lastAuthenticationTimestamp: input.lastAuthenticationTimestamp ?? state.clock.now(),
    globalPermission: input.globalPermission === undefined ? "LICENSED_USER" : input.globalPermission,
  };
  state.users.set(id, user);
  if (input.password !== undefined) state.passwords.set(user.name, input.password);
  return user;
}

export interface NewProject {
  key: string;
  name?: string;
  description?: string;
  public?: boolean;
  id?: number;
  /** A personal project `~SLUG` of this user. */
  ownerId?: number;
}

export function addProject(state: FakeState, input: NewProject): ProjectRecord {
  if (state.projectByKey(input.key) !== undefined) throw new Error(`fake Bitbucket: project ${input.key} exists`);
  const id = input.id ?? state.nextId("project");
  state.reserveId("project", id);
  const project: ProjectRecord = {
    id,
    key: input.key,
    name: input.name ?? input.key,
    ...(input.description === undefined ? {} : { description: input.description }),
    public: input.public ?? false,
    type: input.ownerId === undefined ? "NORMAL" : "PERSONAL",
    ...(input.ownerId === undefined ? {} : { ownerId: input.ownerId }),
  };
  state.projects.set(id, project);
  return project;
}

export interface NewRepository {
  projectId: number;
  name: string;
  slug?: string;
  description?: string;
  public?: boolean;
  archived?: boolean;
  /** No commits at all (`branches/default` answers 204). */
  empty?: boolean;
  defaultBranch?: string;
  /** README.md content; null for none. Default `# <name>`. */
  readme?: string | null;
  /** More files of the initial commit, by path. */
  files?: Readonly<Record<string, FileContent>>;
  authorId?: number;
  id?: number;
  originId?: number;
  hierarchyId?: string;
  /** When the initial commit was made; default now. */
  createdAt?: number;
}

export function addRepository(state: FakeState, input: NewRepository): RepositoryRecord {
  const slug = input.slug ?? slugify(input.name);
  const project = state.requireProject(input.projectId);
  if (state.repositoryBySlug(project.key, slug) !== undefined)
    throw new Error(`fake Bitbucket: ${project.key}/${slug} exists`);
  const id = input.id ?? state.nextId("repository");
  state.reserveId("repository", id);
  const origin = input.originId === undefined ? undefined : state.requireRepository(input.originId);
  const repository: RepositoryRecord = {
    id,
    slug,
    name: input.name,
    ...(input.description === undefined ? {} : { description: input.description }),
    projectId: input.projectId,
    hierarchyId:
      input.hierarchyId ??
      origin?.hierarchyId ??
      createHash("sha1").update(`hierarchy-${id}`).digest("hex").slice(0, 20),
    state: "AVAILABLE",
    forkable: true,
    public: input.public ?? false,
    archived: input.archived ?? false,
    ...(input.originId === undefined ? {} : { originId: input.originId }),
    defaultBranch: input.defaultBranch ?? origin?.defaultBranch ?? "main",
    branches: new Map(origin?.branches ?? []),
  };
  state.repositories.set(id, repository);
  if (origin === undefined && input.empty !== true) {
    const readme = input.readme === undefined ? `# ${input.name}\n` : input.readme;
    const files = { ...(readme === null ? {} : { "README.md": readme }), ...input.files };
    const authorId = input.authorId ?? [...state.users.keys()][0] ?? 0;
    const at = input.createdAt;
    state.commit(repository, repository.defaultBranch, {
      authorId,
      message: "Initial commit",
      files,
      ...(at === undefined ? {} : { at }),
    });
  }
  return repository;
}

export interface NewPullRequest {
  target: RepositoryRecord;
  /** Default: the target (a PR between two branches of one repository). */
  source?: RepositoryRecord;
  fromBranch: string;
  toBranch?: string;
  title: string;
  description?: string;
  authorId: number;
  reviewerIds?: number[];
  participantIds?: number[];
  draft?: boolean;
  createdDate?: number;
}

/** Opens a pull request (state OPEN); the source branch gets a commit when it does not exist yet. */
export function addPullRequest(state: FakeState, input: NewPullRequest): PullRequestRecord {
  const source = input.source ?? input.target;
  const toBranch = input.toBranch ?? input.target.defaultBranch;
  const created = input.createdDate ?? state.clock.now();
  const fromTip =
    source.branches.get(input.fromBranch) ??
    state.commit(source, input.fromBranch, {
      authorId: input.authorId,
      message: `Work on ${input.fromBranch}`,
      at: created,
    }).id;
  const toTip = input.target.branches.get(toBranch) ?? state.newSha();
  const list = state.pullRequestsOf(input.target.id);
  const pr: PullRequestRecord = {
    id: list.reduce((max, existing) => Math.max(max, existing.id), 0) + 1,
    version: 0,
    title: input.title,
    ...(input.description === undefined ? {} : { description: input.description }),
    state: "OPEN",
    draft: input.draft ?? false,
    createdDate: created,
    updatedDate: created,
    fromRef: { repositoryId: source.id, branch: input.fromBranch, latestCommit: fromTip },
    toRef: { repositoryId: input.target.id, branch: toBranch, latestCommit: toTip },
    authorId: input.authorId,
    reviewers: (input.reviewerIds ?? []).map((userId) => ({
      userId,
      role: "REVIEWER",
      approved: false,
      status: "UNAPPROVED",
    })),
    participants: (input.participantIds ?? []).map((userId) => ({
      userId,
      role: "PARTICIPANT",
      approved: false,
      status: "UNAPPROVED",
    })),
    mergeOutcome: "CLEAN",
    comments: [],
    openTaskCount: 0,
    resolvedTaskCount: 0,
  };
  list.push(pr);
  return pr;
}

/** Bitbucket's slug: lower case, runs of other characters become one hyphen. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_.~-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
