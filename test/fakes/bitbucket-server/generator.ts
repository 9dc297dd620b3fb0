import type { FakeState } from "./fake-state";
import type {
  FileContent,
  ParticipantStatus,
  ProjectRecord,
  PullRequestState,
  RepositoryRecord,
  UserRecord,
} from "./model";
import { addProject, addPullRequest, addRepository, addUser } from "./records";

/**
 * A deterministic Bitbucket instance of any size: the same seed gives the same projects, repositories, pull
 * requests and users, with the same ids, dates and commit ids. Mixes in what real instances have and naive
 * clients miss: archived repositories, empty repositories (no commits, no README), closed pull requests,
 * service accounts without e-mail, deactivated users, personal projects.
 */

export interface InstanceSpec {
  seed?: number;
  projects: number;
  /** In total, spread evenly over the projects. */
  repositories: number;
  /** In total, spread at random over the non-empty repositories (or all in the first one). */
  pullRequests: number;
  users: number;
  /** Users that get a personal project `~SLUG` with one repository. */
  personalRepositories?: number;
  /** Share of repositories that are archived (default 0.1). */
  archivedRatio?: number;
  /** Share of repositories with no commit at all (default 0.05). */
  emptyRatio?: number;
  /** `spread` (default) or `first`: every pull request in the first repository. */
  pullRequestPlacement?: "spread" | "first";
  /**
   * Files of each non-empty repository's initial commit besides its README (path → content), by the repository's
   * 1-based number and name; `undefined` for none.
   */
  files?: (repository: { number: number; name: string }) => Readonly<Record<string, FileContent>> | undefined;
}

export interface GeneratedInstance {
  users: UserRecord[];
  projects: ProjectRecord[];
  repositories: RepositoryRecord[];
}

/** 2025-05-01T00:00:00Z: every generated date is an offset from here, never from the wall clock. */
const EPOCH = Date.UTC(2025, 4, 1);
const DAY = 86_400_000;

export function generateInstance(state: FakeState, spec: InstanceSpec): GeneratedInstance {
  const random = mulberry32(spec.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new Error("fake Bitbucket generator: nothing to pick from");
    return item;
  };
  const users: UserRecord[] = [];
  for (let i = 1; i <= spec.users; i++) {
    const n = String(i).padStart(4, "0");
    const service = i % 25 === 0;
    users.push(
      addUser(state, {
        name: `user-${n}`,
        displayName: service ? `Service ${n}` : `User ${n}`,
        emailAddress: service ? null : `user-${n}@example.com`,
        type: service ? "SERVICE" : "NORMAL",
        active: i % 40 !== 0,
        lastAuthenticationTimestamp: EPOCH - i * 3_600_000,
      }),
    );
  }
  const authors = users.filter((user) => user.active);
  if (authors.length === 0 && (spec.repositories > 0 || spec.pullRequests > 0)) {
    throw new Error("fake Bitbucket generator: repositories and pull requests need at least one active user");
  }
  const projects: ProjectRecord[] = [];
  for (let i = 1; i <= spec.projects; i++) {
    const n = String(i).padStart(3, "0");
    projects.push(
      addProject(state, {
        key: `P${n}`,
        name: `Project ${n}`,
        ...(i % 2 === 0 ? { description: `Generated project ${n}` } : {}),
      }),
    );
  }
  const repositories: RepositoryRecord[] = [];
  for (let i = 1; i <= spec.repositories; i++) {
    const project = projects[(i - 1) % projects.length];
    if (project === undefined) throw new Error("fake Bitbucket generator: repositories need at least one project");
    const n = String(i).padStart(5, "0");
    const files = spec.files?.({ number: i, name: `Repo ${n}` });
    repositories.push(
      addRepository(state, {
        projectId: project.id,
        name: `Repo ${n}`,
        ...(i % 3 === 0 ? { description: `Generated repository ${n}` } : {}),
        archived: random() < (spec.archivedRatio ?? 0.1),
        empty: random() < (spec.emptyRatio ?? 0.05),
        readme: random() < 0.8 ? `# Repo ${n}\n\nGenerated for tests.\n` : null,
        ...(files === undefined ? {} : { files }),
        authorId: pick(authors).id,
        createdAt: EPOCH + i * 60_000,
      }),
    );
  }
  for (let i = 0; i < (spec.personalRepositories ?? 0); i++) {
    const owner = users[i];
    if (owner === undefined) break;
    const personal = addProject(state, {
      key: `~${owner.slug.toUpperCase()}`,
      name: owner.displayName,
      ownerId: owner.id,
    });
    repositories.push(
      addRepository(state, {
        projectId: personal.id,
        name: `Scratch ${owner.slug}`,
        authorId: owner.id,
        createdAt: EPOCH,
      }),
    );
  }
  const targets = repositories.filter((repo) => repo.branches.size > 0 && !repo.slug.startsWith("scratch-"));
  for (let i = 1; i <= spec.pullRequests; i++) {
    const target = spec.pullRequestPlacement === "first" ? targets[0] : pick(targets);
    if (target === undefined) throw new Error("fake Bitbucket generator: pull requests need a non-empty repository");
    const authorIndex = Math.floor(random() * authors.length);
    const author = authors[authorIndex];
    if (author === undefined) throw new Error("fake Bitbucket generator: nothing to pick from");
    // The other authors, picked as from `authors` without the author, but without building that list for every pull
    // request (20,000 users × 1,000,000 pull requests at bench:resync --scale 10): the same draws, the same instance.
    const otherCount = authors.length - 1;
    const pickOther = () => {
      const index = Math.floor(random() * otherCount);
      const other = authors[index < authorIndex ? index : index + 1];
      if (other === undefined) throw new Error("fake Bitbucket generator: nothing to pick from");
      return other;
    };
    const reviewers =
      otherCount === 0 ? [] : [...new Set(Array.from({ length: Math.floor(random() * 4) }, () => pickOther().id))];
    const created = EPOCH + Math.floor(random() * 300 * DAY);
    const pr = addPullRequest(state, {
      target,
      fromBranch: `feature/${i}`,
      title: `Change ${i}`,
      ...(random() < 0.5 ? { description: `Generated pull request ${i}` } : {}),
      authorId: author.id,
      reviewerIds: reviewers,
      createdDate: created,
    });
    const roll = random();
    const prState: PullRequestState = roll < 0.3 ? "OPEN" : roll < 0.85 ? "MERGED" : "DECLINED";
    pr.state = prState;
    pr.draft = prState === "OPEN" && random() < 0.05;
    pr.updatedDate = created + Math.floor(random() * 5 * DAY);
    if (prState !== "OPEN") pr.closedDate = pr.updatedDate;
    if (prState === "MERGED") pr.mergeCommit = state.newSha();
    for (const reviewer of pr.reviewers) {
      const status: ParticipantStatus =
        prState === "MERGED" ? "APPROVED" : pick(["UNAPPROVED", "NEEDS_WORK", "APPROVED"] as const);
      reviewer.status = status;
      reviewer.approved = status === "APPROVED";
    }
    pr.version = Math.floor(random() * 5);
  }
  return { users, projects, repositories };
}

/** A small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
