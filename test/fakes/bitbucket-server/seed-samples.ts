import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { seedDir } from "../../support/seed-dir";
import type { FakeState } from "./fake-state";
import type { ProjectRecord, PullRequestRecord, RepositoryRecord, UserRecord } from "./model";
import { addProject, addRepository, addUser } from "./records";

/**
 * Loads the seed's sample objects (`test/fixtures/seed/payload-*.json`, see its README) into the fake: the user `[REDACTED]`, the projects PROJ and PRO3, the repository PRO3/repostiroy-3
 * with its README and latest commit, and its pull request #1. Ids are kept when free.
 */

export function defaultSeedDirectory(): string {
  return seedDir();
}

const Links = z.looseObject({});
const User = z.looseObject({
  name: z.string(),
  emailAddress: z.string().optional(),
  active: z.boolean(),
  displayName: z.string(),
  id: z.number(),
  slug: z.string(),
  type: z.enum(["NORMAL", "SERVICE"]),
});
const Project = z.looseObject({
  key: z.string(),
  id: z.number(),
  name: z.string(),
  public: z.boolean(),
  description: z.string().optional(),
  links: Links,
});
const Commit = z.looseObject({
  id: z.string(),
  message: z.string(),
  authorTimestamp: z.number(),
  committerTimestamp: z.number(),
  parents: z.array(z.looseObject({ id: z.string() })),
});
const Repository = z.looseObject({
  slug: z.string(),
  id: z.number(),
  name: z.string(),
  hierarchyId: z.string(),
  public: z.boolean(),
  archived: z.boolean(),
  project: Project,
  __readme: z.string(),
  __latestCommit: Commit,
});
const Ref = z.looseObject({ displayId: z.string(), latestCommit: z.string() });
const PullRequest = z.looseObject({
  id: z.number(),
  version: z.number(),
  title: z.string(),
  state: z.enum(["OPEN", "MERGED", "DECLINED"]),
  draft: z.boolean(),
  createdDate: z.number(),
  updatedDate: z.number(),
  fromRef: Ref,
  toRef: Ref,
});

export interface SeedSamples {
  user: UserRecord;
  projects: ProjectRecord[];
  repository: RepositoryRecord;
  pullRequest: PullRequestRecord;
}

export function loadSeedSamples(state: FakeState, directory = defaultSeedDirectory()): SeedSamples {
  const read = <T>(schema: z.ZodType<T>, name: string): T =>
    schema.parse(JSON.parse(readFileSync(resolve(directory, name), "utf8")));
  const userJson = read(User, "payload-user.json");
  const projectJson = read(Project, "payload-project.json");
  const repositoryJson = read(Repository, "payload-repository.json");
  const prJson = read(PullRequest, "payload-pull-request.json");

  const user =
    state.userBySlug(userJson.slug) ??
    addUser(state, {
      ...(state.users.has(userJson.id) ? {} : { id: userJson.id }),
      name: userJson.name,
      slug: userJson.slug,
      displayName: userJson.displayName,
      emailAddress: userJson.emailAddress ?? null,
      active: userJson.active,
      type: userJson.type,
    });
  const project = (json: z.infer<typeof Project>): ProjectRecord =>
    state.projectByKey(json.key) ??
    addProject(state, {
      ...(state.projects.has(json.id) ? {} : { id: json.id }),
      key: json.key,
      name: json.name,
      public: json.public,
      ...(json.description === undefined ? {} : { description: json.description }),
    });
  const projects = [project(projectJson), project(repositoryJson.project)];
  const home = projects[1] ?? project(repositoryJson.project);

  const repository = addRepository(state, {
    ...(state.repositories.has(repositoryJson.id) ? {} : { id: repositoryJson.id }),
    projectId: home.id,
    name: repositoryJson.name,
    slug: repositoryJson.slug,
    hierarchyId: repositoryJson.hierarchyId,
    public: repositoryJson.public,
    archived: repositoryJson.archived,
    defaultBranch: prJson.toRef.displayId,
    empty: true,
  });
  // The latest commit, a merge of the PR's source into its target, and the README (empty in the seed).
  const latest = repositoryJson.__latestCommit;
  const [mainline, merged] = latest.parents.map((parent) => parent.id);
  if (mainline !== undefined) {
    const at = latest.authorTimestamp - 3_600_000;
    state.commit(repository, prJson.toRef.displayId, {
      id: mainline,
      authorId: user.id,
      message: "Initial commit",
      at,
      parents: [],
    });
  }
  if (merged !== undefined) {
    state.commit(repository, prJson.fromRef.displayId, {
      id: merged,
      authorId: user.id,
      message: "readme.md edited online with Bitbucket",
      at: prJson.createdDate,
      parents: mainline === undefined ? [] : [mainline],
    });
  }
  state.commit(repository, prJson.toRef.displayId, {
    id: latest.id,
    authorId: user.id,
    message: latest.message,
    at: latest.authorTimestamp,
    parents: latest.parents.map((parent) => parent.id),
  });
  state.amendFiles(repository, { "README.md": repositoryJson.__readme });

  const pullRequest: PullRequestRecord = {
    id: prJson.id,
    version: prJson.version,
    title: prJson.title,
    state: prJson.state,
    draft: prJson.draft,
    createdDate: prJson.createdDate,
    updatedDate: prJson.updatedDate,
    fromRef: {
      repositoryId: repository.id,
      branch: prJson.fromRef.displayId,
      latestCommit: prJson.fromRef.latestCommit,
    },
    toRef: { repositoryId: repository.id, branch: prJson.toRef.displayId, latestCommit: prJson.toRef.latestCommit },
    authorId: user.id,
    reviewers: [],
    participants: [],
    mergeOutcome: "CLEAN",
    comments: [],
    openTaskCount: 0,
    resolvedTaskCount: 0,
  };
  state.pullRequestsOf(repository.id).push(pullRequest);
  return { user, projects, repository, pullRequest };
}
