import { routeOf, subscribableEventKeys } from "../../shared/events/routing";
import type { BitbucketClient } from "../bitbucket/client";
import { isBitbucketError } from "../bitbucket/errors";
import { isVersionAtLeast, PROJECT_WEBHOOKS_SINCE, parseVersion } from "../bitbucket/version";
import type { Logger } from "../log/logger";
import { ScopeModeError } from "./scope-mode-error";

/**
 * Where our webhooks live: one per project from Bitbucket 8.8 (project hooks cover every repository of the project),
 * one per repository before. Decided from the server's version compared part by part (8.10 is newer than 8.7; Ocean
 * read it as the float 8.1, reference ocean §3.1), unless `bitbucketIsVersion8Point7OrOlder` (Port's setting) says.
 */

export interface ScopeMode {
  scope: "project" | "repository";
  /** The server's version; null when the override decided and the version could not be read. */
  version: string | null;
  decidedBy: "version" | "override";
}

/**
 * @param override Port's `bitbucketIsVersion8Point7OrOlder`: true → repository hooks, false → project hooks
 * @throws BitbucketError when the version cannot be read and there is no override
 * @throws ScopeModeError when the server's version is not a version number and there is no override
 */
export async function resolveScopeMode(
  client: Pick<BitbucketClient, "version">,
  override: boolean | undefined,
  logger: Logger,
): Promise<ScopeMode> {
  if (override !== undefined) {
    // The version still decides which event keys the server knows; without it every key of the scope is sent.
    const version = await readVersionLeniently(client, logger);
    return { scope: override ? "repository" : "project", version, decidedBy: "override" };
  }
  const version = await client.version();
  if (parseVersion(version) === null) {
    throw new ScopeModeError(
      `Bitbucket reports its version as ${JSON.stringify(version)}, which is not a version number: set ` +
        "bitbucketIsVersion8Point7OrOlder to true (repository webhooks) or false (project webhooks, Bitbucket 8.8 and newer)",
    );
  }
  return {
    scope: isVersionAtLeast(version, PROJECT_WEBHOOKS_SINCE) ? "project" : "repository",
    version,
    decidedBy: "version",
  };
}

async function readVersionLeniently(client: Pick<BitbucketClient, "version">, logger: Logger): Promise<string | null> {
  try {
    const version = await client.version();
    return parseVersion(version) === null ? null : version;
  } catch (error) {
    if (!isBitbucketError(error) || error.kind === "aborted") throw error;
    logger.warn(
      { error: error.message },
      "Could not read Bitbucket's version; subscribing to every event key of the scope",
    );
    return null;
  }
}

/**
 * @param scope the hook's scope
 * @param version the server's version, or null when unknown
 * @returns the event keys to subscribe to: never the documented aliases the server rejects, and only keys the
 *   version already has (an unknown key fails the whole create with "the event … is unknown", reference §5.3)
 */
export function webhookEventKeys(scope: "project" | "repository", version: string | null): string[] {
  return subscribableEventKeys(scope).filter((key) => {
    const since = routeOf(key)?.since;
    return version === null || since === undefined || isVersionAtLeast(version, since);
  });
}
