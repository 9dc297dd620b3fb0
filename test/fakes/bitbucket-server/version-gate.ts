/**
 * What the configured Bitbucket version offers. Kept apart from the client's version parsing on purpose: the
 * fake must not share the code it checks.
 */

export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (text: string) => (/^\d+(?:\.\d+)*/.exec(text)?.[0] ?? "0").split(".").map(Number);
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < Math.max(have.length, need.length); i++) {
    const difference = (have[i] ?? 0) - (need[i] ?? 0);
    if (difference !== 0) return difference > 0;
  }
  return true;
}

/**
 * Webhook event keys a live server accepts, with the version that introduced each (reference §5.3, verified
 * against 10.2.1). `pr:to_ref_updated`, `pr:reviewer:changes_requested` and `proj:modified` are documented but
 * rejected: they are not here.
 */
export const WEBHOOK_EVENT_KEYS: Readonly<Record<string, string>> = {
  "repo:refs_changed": "5.4",
  "repo:modified": "5.4",
  "repo:forked": "5.4",
  "repo:comment:added": "5.4",
  "repo:comment:edited": "5.4",
  "repo:comment:deleted": "5.4",
  "repo:secret_detected": "8.3",
  "mirror:repo_synchronized": "6.5",
  "project:modified": "8.8",
  "pr:opened": "5.4",
  "pr:from_ref_updated": "7.0",
  "pr:modified": "5.10",
  "pr:reviewer:updated": "5.4",
  "pr:reviewer:approved": "5.4",
  "pr:reviewer:unapproved": "5.4",
  "pr:reviewer:needs_work": "5.4",
  "pr:merged": "5.4",
  "pr:declined": "5.4",
  "pr:deleted": "5.4",
  "pr:comment:added": "5.4",
  "pr:comment:edited": "5.4",
  "pr:comment:deleted": "5.4",
};

/** Project-level webhooks (and `project:modified`) arrived in 8.8. */
export const PROJECT_WEBHOOKS_SINCE = "8.8";
