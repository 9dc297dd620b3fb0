import type { FileResource, PullRequestResource, RepositoryResource } from "../../shared/mapping-config/schema";
import type { BitbucketClient } from "../bitbucket/client";
import type { DroppedItems } from "../bitbucket/dropped-items";
import { isBitbucketError } from "../bitbucket/errors";
import type { ProjectWire, PullRequestWire, RepositoryWire, UserWire } from "../bitbucket/schema";
import { type FileWarningSink, fileItemsOf, inRepos } from "../files/file-items";
import { RepositoryFiles } from "../files/repository-files";
import type { Logger } from "../log/logger";
import type { Json } from "../mapping/engine";
import type { ResourceMapper } from "../mapping/resource-mapper";
import type { ReadmeMemory } from "../state/readme-memory";
import { enrichRepository, needsEnrichment } from "./enrich-repository";
import { mergePages } from "./merge-pages";

/**
 * The listing behind each kind of a resync: one async stream of pages of raw Bitbucket objects (enriched where
 * the mapping needs it), so that memory does not grow with the instance. Any failed page fails the listing.
 *
 * - project: `/projects`, filtered by the resource's `projects` / `projectFilterRegex`;
 * - repository: each selected project's repositories (archived included unless `includeArchived: false`), plus the
 *   personal projects' repositories when `includePersonalProjects` is set; `__readme` / `__latestCommit` added
 *   when the mapping uses them;
 * - pull-request: every PR (in the selected states) targeting those repositories;
 * - user: `/admin/users` (everyone, with `active`), falling back to `/users` when the credential may not;
 * - file: the files the resource's `files` takes on each covered repository's default branch (one listing per
 *   repository, one read per file, none for what the file store has at that commit).
 *
 * Items Bitbucket sends without the fields the relay reads are dropped and reported to `onDropped` (the rest is
 * still written, and the caller must not take the listing for complete); without `onDropped` they fail the listing.
 * A repository's file listing always fails on them: it is cached by commit, and an incomplete one must not be.
 */

export interface ListingOptions {
  client: BitbucketClient;
  logger: Logger;
  /** How many repositories (or projects) are listed at once; the client's in-flight bound by default. */
  concurrency?: number;
  signal?: AbortSignal;
  /** The run's file reader (tips, listings and contents, cached in the file store); a fresh one otherwise. */
  files?: RepositoryFiles;
  /** A file the `file` kind could not map (it does not parse, binary, too large). */
  onFileWarning?: FileWarningSink;
  /** READMEs by head: an unchanged repository's README is not read again (see enrich-repository.ts). */
  readmes?: ReadmeMemory;
  /** A page whose items (some of them) lack the fields the relay reads: the listing is incomplete. */
  onDropped?: (dropped: DroppedItems) => void;
  /**
   * Whether a repository listing enriches the next page while this one is consumed (default true). False for a
   * consumer that may stop after the first page (`map --live N`), which would pay for a page it never reads.
   */
  enrichAhead?: boolean;
}

export function listKind(mapper: ResourceMapper, options: ListingOptions): AsyncGenerator<Json[]> {
  const resource = mapper.resource;
  switch (resource.kind) {
    case "project":
      return listProjects(mapper, options);
    case "repository":
      return listRepositories(mapper, resource, options);
    case "pull-request":
      return listPullRequests(mapper, resource, options);
    case "user":
      return listUsers(options);
    case "file":
      return listFiles(mapper, resource, options);
  }
}

async function* listProjects(mapper: ResourceMapper, options: ListingOptions): AsyncGenerator<Json[]> {
  for await (const page of selectedProjects(mapper, options)) yield page;
}

async function* selectedProjects(mapper: ResourceMapper, options: ListingOptions): AsyncGenerator<ProjectWire[]> {
  const matches = mapper.projectFilter;
  for await (const page of options.client.listProjects(watchOf(options))) {
    const kept = matches === null ? page : page.filter((project) => matches(project.key));
    if (kept.length > 0) yield kept;
  }
}

/** The repositories a repository or pull-request resource covers, before enrichment. */
async function* coveredRepositories(
  mapper: ResourceMapper,
  resource: RepositoryResource | PullRequestResource | FileResource,
  options: ListingOptions,
): AsyncGenerator<RepositoryWire[]> {
  const { client } = options;
  const includeArchived = resource.selector.includeArchived;
  const perProject = async function* () {
    for await (const page of selectedProjects(mapper, options)) {
      for (const project of page)
        yield () => client.listRepositories({ projectKey: project.key, includeArchived, ...watchOf(options) });
    }
  };
  yield* mergePages(perProject(), options.concurrency ?? options.client.maxConcurrency);
  if (resource.selector.includePersonalProjects) {
    const matches = mapper.projectFilter;
    for await (const page of client.listPersonalRepositories({
      archived: includeArchived ? "ALL" : "ACTIVE",
      ...watchOf(options),
    })) {
      const kept = matches === null ? page : page.filter((repository) => matches(repository.project.key));
      if (kept.length > 0) yield kept;
    }
  }
}

async function* listRepositories(
  mapper: ResourceMapper,
  resource: RepositoryResource,
  options: ListingOptions,
): AsyncGenerator<Json[]> {
  const needs = mapper.enrichment;
  if (!needsEnrichment(needs)) {
    yield* coveredRepositories(mapper, resource, options);
    return;
  }
  const files = options.files ?? new RepositoryFiles(options.client, null);
  // The client bounds requests in flight itself; a page's enrichment is awaited whole so that a failure fails the
  // listing (a repository without its README would otherwise be written as if it had none). The next page's
  // enrichment starts before this one is awaited and while it is mapped and written, so the requests in flight do
  // not drain at each page's slowest request and at each write (bench:resync's repository kind took 1.65x its
  // request bound when pages went one at a time). One page ahead at most: memory stays bounded.
  const enrich = (page: readonly RepositoryWire[]) =>
    Promise.all(page.map((repository) => enrichRepository(options.client, repository, needs, files, options.readmes)));
  let ahead: Promise<Json[]> | null = null;
  for await (const page of coveredRepositories(mapper, resource, options)) {
    const enriching = enrich(page);
    // Awaited in turn below; until then a failure must not surface as an unhandled rejection.
    enriching.catch(() => undefined);
    if (options.enrichAhead === false) {
      yield await enriching;
      continue;
    }
    if (ahead !== null) yield await ahead;
    ahead = enriching;
  }
  if (ahead !== null) yield await ahead;
}

async function* listPullRequests(
  mapper: ResourceMapper,
  resource: PullRequestResource,
  options: ListingOptions,
): AsyncGenerator<Json[]> {
  const { client } = options;
  const states = resource.selector.state;
  const perRepository = async function* () {
    for await (const page of coveredRepositories(mapper, resource, options)) {
      for (const repository of page) {
        yield () =>
          client.listPullRequests({
            projectKey: repository.project.key,
            repositorySlug: repository.slug,
            states,
            ...watchOf(options),
          });
      }
    }
  };
  for await (const page of mergePages<PullRequestWire>(
    perRepository(),
    options.concurrency ?? options.client.maxConcurrency,
  ))
    yield page;
}

async function* listFiles(
  mapper: ResourceMapper,
  resource: FileResource,
  options: ListingOptions,
): AsyncGenerator<Json[]> {
  const files = options.files ?? new RepositoryFiles(options.client, null);
  const warn = options.onFileWarning ?? ((file: string, message: string) => options.logger.warn({ file }, message));
  for await (const page of coveredRepositories(mapper, resource, options)) {
    const repositories = page.filter((repository) => inRepos(resource.selector.files.repos, repository));
    // The client bounds requests in flight; a page is awaited whole, so a failed read fails the listing (a file
    // missing from it would otherwise have its entities deleted by the reconcile).
    const items = (
      await Promise.all(repositories.map((repository) => fileItemsOf(repository, resource, files, warn)))
    ).flat();
    if (items.length > 0) yield items;
  }
}

async function* listUsers(options: ListingOptions): AsyncGenerator<Json[]> {
  const admin = options.client.listAdminUsers(watchOf(options));
  let first: IteratorResult<UserWire[]>;
  try {
    first = await admin.next();
  } catch (error) {
    if (!isBitbucketError(error) || (error.kind !== "unauthorized" && error.kind !== "forbidden")) throw error;
    // `/admin/users` needs more rights than `/users`; `/users` may hide deactivated accounts.
    options.logger.warn({ path: error.path }, "Listing users through /users: the credential may not read /admin/users");
    for await (const page of options.client.listUsers(watchOf(options))) yield page;
    return;
  }
  if (first.done === true) return;
  yield first.value;
  for await (const page of admin) yield page;
}

function watchOf(options: ListingOptions): { onDropped?: (dropped: DroppedItems) => void } {
  return options.onDropped === undefined ? {} : { onDropped: options.onDropped };
}
