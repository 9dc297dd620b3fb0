import { DEFAULT_BLUEPRINTS } from "../../../support/resync-fixture";

/** The default blueprints, plus those the file and GitOps tests write. */

export const MANIFEST_BLUEPRINT = {
  identifier: "manifest",
  title: "Manifest",
  schema: {
    properties: {
      name: { type: "string", title: "Name" },
      version: { type: "string", title: "Version" },
      path: { type: "string", title: "Path" },
      commit: { type: "string", title: "Commit" },
      branch: { type: "string", title: "Branch" },
    },
    required: [],
  },
  relations: {
    repository: { title: "Repository", target: "bitbucketRepository", required: false, many: false },
  },
};

/** What GitOps tests declare in port.yml files: a service that may belong to a repository. */
export const SERVICE_BLUEPRINT = {
  identifier: "service",
  title: "Service",
  schema: {
    properties: {
      language: { type: "string", title: "Language" },
      tier: { type: "number", title: "Tier" },
    },
    required: [],
  },
  relations: {
    repository: { title: "Repository", target: "bitbucketRepository", required: false, many: false },
  },
};

/** What `includedFiles` tests write: a repository with two files' contents. */
export const REPOSITORY_DOCS_BLUEPRINT = {
  identifier: "repositoryDocs",
  title: "Repository docs",
  schema: {
    properties: {
      readme: { type: "string", title: "README", format: "markdown" },
      codeowners: { type: "string", title: "CODEOWNERS" },
    },
    required: [],
  },
  relations: {},
};

export const BLUEPRINTS = [
  ...(DEFAULT_BLUEPRINTS as unknown[]),
  MANIFEST_BLUEPRINT,
  SERVICE_BLUEPRINT,
  REPOSITORY_DOCS_BLUEPRINT,
];
