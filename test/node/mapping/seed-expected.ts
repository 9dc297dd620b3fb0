import type { CatalogEntity } from "../../../relay/catalog/catalog";

/**
 * What the seed's mapping gives for the seed's sample objects, as the jq binary computes it from them (the PR's
 * `created_on` is 2025-05-20T08:38:44Z, `mergedAt` null, `reviewers` [], its repository relation `repostiroy-3`).
 */
export const SEED_EXPECTED_ENTITIES: Record<"project" | "repository" | "pull-request" | "user", CatalogEntity> = {
  project: {
    blueprint: "bitbucketProject",
    identifier: "PROJ",
    title: "Project",
    properties: { public: false, type: "NORMAL", description: null, link: "http://localhost:7990/projects/PROJ" },
    relations: {},
  },
  repository: {
    blueprint: "bitbucketRepository",
    identifier: "repostiroy-3",
    title: "Repostiroy-3",
    properties: {
      description: null,
      state: "AVAILABLE",
      forkable: true,
      public: false,
      link: "http://localhost:7990/projects/PRO3/repos/repostiroy-3/browse",
      documentation: "",
    },
    relations: { project: "PRO3", latestCommitAuthor: "admin@gmail.com" },
  },
  "pull-request": {
    blueprint: "bitbucketPullRequest",
    identifier: "1",
    title: "readme.md edited online with Bitbucket",
    properties: {
      created_on: "2025-05-20T08:38:44Z",
      updated_on: "2025-05-20T08:38:44Z",
      merge_commit: "3e4df0573a0ba1845ebdfa919c907745497313aa",
      state: "OPEN",
      owner: "admin@gmail.com",
      link: "http://localhost:7990/projects/PRO3/repos/repostiroy-3/pull-requests/1",
      destination: "master",
      source: "main",
      mergedAt: null,
      reviewers: [],
    },
    relations: { repository: "repostiroy-3", participants: [] },
  },
  user: {
    blueprint: "bitbucketUser",
    identifier: "admin@gmail.com",
    title: "Admin",
    properties: { username: "[REDACTED]", url: "http://localhost:7990/users/[REDACTED]", portUser: "admin@gmail.com" },
    relations: {},
  },
};
