import type { BitbucketClient } from "../bitbucket/client";
import { isBitbucketError } from "../bitbucket/errors";
import { compareVersions, PROJECT_WEBHOOKS_SINCE } from "../bitbucket/version";
import type { LoadedMapping } from "../config/mapping-loader";
import { messageOf } from "../log/message-of";
import { type CheckResult, fail, ok, warn } from "./check-result";

/**
 * Bitbucket as the mapping needs it: reachable, its version, the credentials accepted, and the permissions each
 * configured kind needs (projects visible, repositories and pull requests readable, users listable, and the full
 * user list of /admin/users when users are synced). Each result is yielded as soon as it is known, so doctor prints
 * it before the next request goes out (a slow or dead Bitbucket never hides what was already found).
 */
export async function* checkBitbucket(
  client: BitbucketClient,
  mapping: LoadedMapping,
  baseUrl: string,
): AsyncGenerator<CheckResult> {
  let version: string;
  try {
    version = await client.version();
  } catch (error) {
    if (isBitbucketError(error) && error.kind === "unauthorized") {
      // Bitbucket refuses wrong credentials even on endpoints anonymous callers may read.
      yield ok("bitbucket.reachable", `${baseUrl} answers as Bitbucket`);
      yield fail("bitbucket.credentials", messageOf(error), credentialsFix(error));
    } else {
      yield fail(
        "bitbucket.reachable",
        `${baseUrl} does not answer as Bitbucket: ${messageOf(error)}`,
        "check BITBUCKET_URL (the server's root URL, with its context path), DNS, the proxy and TLS",
      );
    }
    return;
  }
  yield ok("bitbucket.reachable", `Bitbucket ${version} at ${baseUrl}`);
  yield compareVersions(version, "5.4") < 0
    ? fail(
        "bitbucket.version",
        `Bitbucket ${version} has no webhooks (they arrived in 5.4)`,
        "upgrade Bitbucket, or run only resyncs (bbrelay resync on a schedule)",
      )
    : ok(
        "bitbucket.version",
        compareVersions(version, PROJECT_WEBHOOKS_SINCE) >= 0
          ? `${version}: project-level webhooks`
          : `${version}: repository-level webhooks (project hooks need 8.8)`,
      );

  const kinds = new Set(mapping.mappers.map((mapper) => mapper.kind));
  let credentials: CheckResult;
  try {
    // The listing skips empty pages: no page at all means the call succeeded and showed nobody.
    let usersVisible = false;
    for await (const _page of client.listUsers()) {
      usersVisible = true;
      break;
    }
    credentials = ok(
      "bitbucket.credentials",
      `the credentials are accepted (${usersVisible ? "users visible" : "no user visible"})`,
    );
  } catch (error) {
    yield fail("bitbucket.credentials", messageOf(error), credentialsFix(error));
    return;
  }
  yield credentials;

  if (kinds.has("project") || kinds.has("repository") || kinds.has("pull-request")) {
    yield await checkProjects(client, kinds.has("pull-request"));
  }
  if (kinds.has("user")) yield await checkAdminUsers(client);
}

async function checkProjects(client: BitbucketClient, pullRequests: boolean): Promise<CheckResult> {
  try {
    let projects = 0;
    let firstRepository: { projectKey: string; repositorySlug: string } | null = null;
    for await (const page of client.listProjects()) {
      projects += page.length;
      for (const project of page) {
        if (firstRepository !== null) break;
        for await (const repositories of client.listRepositories({ projectKey: project.key })) {
          const [repository] = repositories;
          if (repository !== undefined) firstRepository = { projectKey: project.key, repositorySlug: repository.slug };
          break;
        }
      }
    }
    if (projects === 0) {
      return warn(
        "bitbucket.permissions",
        "the credentials see no project: a resync would find nothing (and delete nothing beyond the threshold)",
        "grant the account PROJECT_READ on the projects to sync (a project- or repository-scoped token sees only its own)",
      );
    }
    if (pullRequests && firstRepository !== null) {
      for await (const _page of client.listPullRequests({ ...firstRepository, states: ["OPEN"] })) break;
    }
    return ok(
      "bitbucket.permissions",
      `${projects} projects visible${firstRepository === null ? "" : `, repositories${pullRequests ? " and pull requests" : ""} readable`}`,
    );
  } catch (error) {
    return fail(
      "bitbucket.permissions",
      messageOf(error),
      "grant the account PROJECT_READ (projects and repositories) and REPO_READ (pull requests) where the mapping reads",
    );
  }
}

async function checkAdminUsers(client: BitbucketClient): Promise<CheckResult> {
  try {
    for await (const _page of client.listAdminUsers()) break;
    return ok("bitbucket.users", "/admin/users is readable: users are synced with deactivated ones included");
  } catch (error) {
    if (isBitbucketError(error) && (error.kind === "unauthorized" || error.kind === "forbidden")) {
      return warn(
        "bitbucket.users",
        "/admin/users is not readable: users are listed through /users, which may hide deactivated accounts",
        "use an account with the right to read /admin/users (Basic auth: tokens cannot hold global ADMIN) if deactivated users matter",
      );
    }
    return fail("bitbucket.users", messageOf(error), "retry; if it persists, check Bitbucket's logs");
  }
}

function credentialsFix(error: unknown): string {
  if (isBitbucketError(error) && error.kind === "unauthorized") {
    return "check BITBUCKET_TOKEN (an HTTP access token, sent as Bearer), or BITBUCKET_USERNAME and BITBUCKET_PASSWORD; project and repository tokens work only as Bearer";
  }
  return "check BITBUCKET_URL and the network";
}
