import { createHash } from "node:crypto";
import type { FakeState } from "../fake-state";
import type { CommitRecord, FileContent, RepositoryRecord } from "../model";
import { EXCEPTIONS, errorResponse, type FakeResponse } from "../rest-errors";
import { findRepository, page, param, type RouteContext } from "./route-context";

/**
 * Repository files at a ref (reference §2, §3.6), read from the commits' trees:
 * - `raw/{path}?at=`: the bytes as stored (text as UTF-8, binary files as they are), a JSON 404 for a path missing
 *   at that revision or a revision that does not exist;
 * - `files[/{path}]?at=`: a normal page whose values are path strings, every file under the directory at any
 *   depth, relative to it, in path order; a 404 when the directory does not exist at that revision;
 * - `commits/{id}/changes?since=` and `compare/changes?from=&to=`: a page of changes (`path` with its components,
 *   `type` ADD / MODIFY / DELETE, `contentId` / `fromContentId` blob ids, `nodeType` FILE), with `fromHash` and
 *   `toHash` around it, as real servers answer (a 7.x sample with `properties.changeScope`). Without `since`, a
 *   commit is compared with its first parent; `compare` compares `from` (the newer side) with `to`.
 * `at` takes a branch (`refs/heads/x` or `x`) or a commit id; absent, the default branch.
 */

const ZERO = "0".repeat(40);

type Resolved =
  | { ok: true; repository: RepositoryRecord; commit: CommitRecord }
  | { ok: false; response: FakeResponse };

function noSuchCommit(repository: RepositoryRecord, ref: string): FakeResponse {
  return errorResponse(
    404,
    `Commit '${ref}' does not exist in repository '${repository.slug}'.`,
    EXCEPTIONS.noSuchCommit,
  );
}

function noSuchPath(path: string, at: string): FakeResponse {
  return errorResponse(404, `The path "${path}" does not exist at revision "${at}"`, EXCEPTIONS.noSuchPath);
}

/** The repository and the commit `at` (or another query parameter) names. */
function resolve(ctx: RouteContext, ref: string | null): Resolved {
  const found = findRepository(ctx);
  if (!found.ok) return found;
  const repository = found.value;
  const commit = ctx.state.resolveAt(repository, ref);
  if (commit === undefined) return { ok: false, response: noSuchCommit(repository, ref ?? repository.defaultBranch) };
  return { ok: true, repository, commit };
}

function revisionName(repository: RepositoryRecord, at: string | null): string {
  return at ?? `refs/heads/${repository.defaultBranch}`;
}

export function raw(ctx: RouteContext): FakeResponse {
  const at = ctx.query.get("at");
  const resolved = resolve(ctx, at);
  if (!resolved.ok) return resolved.response;
  const path = param(ctx, "path");
  const content = resolved.commit.tree.get(path);
  if (content === undefined) return noSuchPath(path, revisionName(resolved.repository, at));
  if (typeof content === "string") return { status: 200, text: content, contentType: "text/plain;charset=UTF-8" };
  return { status: 200, bytes: content, contentType: "application/octet-stream" };
}

export function files(ctx: RouteContext): FakeResponse {
  const at = ctx.query.get("at");
  const resolved = resolve(ctx, at);
  if (!resolved.ok) return resolved.response;
  const directory = param(ctx, "path").replace(/\/+$/, "");
  const prefix = directory === "" ? "" : `${directory}/`;
  const paths = [...resolved.commit.tree.keys()]
    .filter((path) => path.startsWith(prefix))
    .map((path) => path.slice(prefix.length))
    .sort();
  if (directory !== "" && paths.length === 0) return noSuchPath(directory, revisionName(resolved.repository, at));
  return page(ctx, "files", paths);
}

export function commitChanges(ctx: RouteContext): FakeResponse {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const repository = found.value;
  const id = param(ctx, "commitId");
  const commit = ctx.state.commits.get(id);
  if (commit === undefined) return noSuchCommit(repository, id);
  const since = ctx.query.get("since");
  const base = since === null ? ctx.state.commits.get(commit.parents[0] ?? "") : ctx.state.commits.get(since);
  if (since !== null && base === undefined) return noSuchCommit(repository, since);
  return changesPage(ctx, repository, commit, base);
}

export function compareChanges(ctx: RouteContext): FakeResponse {
  const found = findRepository(ctx);
  if (!found.ok) return found.response;
  const repository = found.value;
  const from = ctx.query.get("from");
  const to = ctx.query.get("to");
  if (from === null || to === null)
    return errorResponse(400, "Both from and to must be provided to compare.", EXCEPTIONS.validation);
  const newer = ctx.state.resolveAt(repository, from);
  if (newer === undefined) return noSuchCommit(repository, from);
  const older = ctx.state.resolveAt(repository, to);
  if (older === undefined) return noSuchCommit(repository, to);
  return changesPage(ctx, repository, newer, older);
}

function changesPage(
  ctx: RouteContext,
  repository: RepositoryRecord,
  commit: CommitRecord,
  base: CommitRecord | undefined,
): FakeResponse {
  const changes = diffTrees(base?.tree ?? new Map(), commit.tree);
  const response = page(ctx, "changes", changes, (change) => changeJson(ctx.state, repository, commit, change));
  const body = response.body as Record<string, unknown>;
  return {
    ...response,
    body: { fromHash: base?.id ?? null, toHash: commit.id, properties: { changeScope: "ALL" }, ...body },
  };
}

interface TreeChange {
  path: string;
  type: "ADD" | "MODIFY" | "DELETE";
  from: FileContent | undefined;
  to: FileContent | undefined;
}

/** What changed from one tree to the other, in path order. */
export function diffTrees(from: ReadonlyMap<string, FileContent>, to: ReadonlyMap<string, FileContent>): TreeChange[] {
  const paths = [...new Set([...from.keys(), ...to.keys()])].sort();
  const changes: TreeChange[] = [];
  for (const path of paths) {
    const before = from.get(path);
    const after = to.get(path);
    if (before === undefined && after !== undefined) changes.push({ path, type: "ADD", from: before, to: after });
    else if (after === undefined) changes.push({ path, type: "DELETE", from: before, to: after });
    else if (!sameContent(before, after)) changes.push({ path, type: "MODIFY", from: before, to: after });
  }
  return changes;
}

function sameContent(a: FileContent | undefined, b: FileContent): boolean {
  if (a === undefined) return false;
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Git's blob id of a content. */
function blobId(content: FileContent | undefined): string {
  if (content === undefined) return ZERO;
  const bytes = Buffer.from(content);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function changeJson(state: FakeState, repository: RepositoryRecord, commit: CommitRecord, change: TreeChange) {
  const components = change.path.split("/");
  const name = components.at(-1) ?? change.path;
  const dot = name.lastIndexOf(".");
  const project = state.requireProject(repository.projectId);
  return {
    contentId: blobId(change.to),
    fromContentId: blobId(change.from),
    path: {
      components,
      parent: components.slice(0, -1).join("/"),
      name,
      ...(dot > 0 ? { extension: name.slice(dot + 1) } : {}),
      toString: change.path,
    },
    executable: false,
    percentUnchanged: -1,
    type: change.type,
    nodeType: "FILE",
    srcExecutable: false,
    links: {
      self: [{ href: `/projects/${project.key}/repos/${repository.slug}/commits/${commit.id}#${change.path}` }],
    },
    properties: { gitChangeType: change.type },
  };
}
