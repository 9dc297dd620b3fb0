import type { FakeState } from "./fake-state";
import type { Principal, ProjectRecord, RepositoryRecord, ResourcePermission } from "./model";
import { EXCEPTIONS, errorResponse, type FakeResponse } from "./rest-errors";

/**
 * Authentication and permissions as Bitbucket does them (reference §1): Basic with a password or a user's
 * HTTP access token, Bearer with any token; project and repository tokens only as Bearer; wrong credentials →
 * 401 on every path; no credentials → anonymous, who sees only public projects and repositories. A missing
 * permission is also a 401 (not 403). Tokens never hold global ADMIN.
 */

/** 0 none, 1 read, 2 write, 3 admin. */
export type Level = 0 | 1 | 2 | 3;

const LEVEL: Record<ResourcePermission, Level> = {
  PROJECT_READ: 1,
  PROJECT_WRITE: 2,
  PROJECT_ADMIN: 3,
  REPO_READ: 1,
  REPO_WRITE: 2,
  REPO_ADMIN: 3,
};

export type AuthResult = { ok: true; principal: Principal } | { ok: false; response: FakeResponse };

const BAD_CREDENTIALS = errorResponse(
  401,
  "Authentication failed. Please check your credentials and try again.",
  EXCEPTIONS.authentication,
);

export function authenticate(header: string | undefined, state: FakeState): AuthResult {
  if (header === undefined || header.trim() === "") return { ok: true, principal: { kind: "anonymous" } };
  const [scheme = "", value = ""] = header.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === "bearer") {
    const token = state.tokens.get(value);
    const user = token === undefined ? undefined : state.users.get(token.userId);
    if (token === undefined || user === undefined || !user.active) return { ok: false, response: BAD_CREDENTIALS };
    return { ok: true, principal: { kind: "user", user, token } };
  }
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const username = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    const user = colon < 0 ? undefined : state.userByName(username);
    if (user === undefined || !user.active) return { ok: false, response: BAD_CREDENTIALS };
    if (state.passwords.get(user.name) === secret) return { ok: true, principal: { kind: "user", user } };
    // A user's HTTP access token works as the password; project and repository tokens are Bearer-only.
    const token = state.tokens.get(secret);
    if (token !== undefined && token.scope.type === "user" && token.userId === user.id) {
      return { ok: true, principal: { kind: "user", user, token } };
    }
    return { ok: false, response: BAD_CREDENTIALS };
  }
  return { ok: false, response: BAD_CREDENTIALS };
}

/** Global ADMIN or SYS_ADMIN, through a password only. */
export function isAdmin(principal: Principal): boolean {
  return (
    principal.kind === "user" &&
    principal.token === undefined &&
    (principal.user.globalPermission === "ADMIN" || principal.user.globalPermission === "SYS_ADMIN")
  );
}

export function projectLevel(principal: Principal, project: ProjectRecord, state: FakeState): Level {
  const floor: Level = project.public ? 1 : 0;
  if (principal.kind === "anonymous") return floor;
  const { user, token } = principal;
  let level: Level = 0;
  const global = user.globalPermission === "ADMIN" || user.globalPermission === "SYS_ADMIN";
  if (token === undefined || token.scope.type === "user") {
    if (global) level = 3;
    if (project.ownerId === user.id) level = 3;
    for (const grant of state.grants) {
      if (grant.userId === user.id && grant.target.type === "project" && grant.target.projectId === project.id) {
        level = max(level, LEVEL[grant.permission]);
      }
    }
  }
  if (token !== undefined) level = capByToken(level, token, "PROJECT", project.id, undefined);
  return max(level, floor);
}

export function repositoryLevel(principal: Principal, repository: RepositoryRecord, state: FakeState): Level {
  const project = state.requireProject(repository.projectId);
  const floor: Level = repository.public || project.public ? 1 : 0;
  if (principal.kind === "anonymous") return floor;
  const { user, token } = principal;
  let level: Level = projectLevel({ kind: "user", user }, project, state);
  if (token === undefined || token.scope.type === "user") {
    for (const grant of state.grants) {
      if (
        grant.userId === user.id &&
        grant.target.type === "repository" &&
        grant.target.repositoryId === repository.id
      ) {
        level = max(level, LEVEL[grant.permission]);
      }
    }
  } else {
    level = 0;
  }
  if (token !== undefined) level = capByToken(level, token, "REPO", project.id, repository.id);
  return max(level, floor);
}

/** A project is visible with any access to it or to one of its repositories. */
export function canViewProject(principal: Principal, project: ProjectRecord, state: FakeState): boolean {
  if (projectLevel(principal, project, state) >= 1) return true;
  return state.repositoriesOf(project.id).some((repo) => repositoryLevel(principal, repo, state) >= 1);
}

function capByToken(
  level: Level,
  token: NonNullable<Extract<Principal, { kind: "user" }>["token"]>,
  kind: "PROJECT" | "REPO",
  projectId: number,
  repositoryId: number | undefined,
): Level {
  const scope = token.scope;
  if (scope.type === "project" && scope.projectId !== projectId) return 0;
  if (scope.type === "repository" && (kind === "PROJECT" || scope.repositoryId !== repositoryId)) return 0;
  let allowed: Level = 0;
  for (const permission of token.permissions) {
    if (permission.startsWith("PROJECT_") || (kind === "REPO" && permission.startsWith("REPO_"))) {
      allowed = max(allowed, LEVEL[permission]);
    }
  }
  // User tokens are capped by what the user may do; project and repository tokens act as their own user.
  return scope.type === "user" ? min(level, allowed) : allowed;
}

function max(a: Level, b: Level): Level {
  return a >= b ? a : b;
}

function min(a: Level, b: Level): Level {
  return a <= b ? a : b;
}
