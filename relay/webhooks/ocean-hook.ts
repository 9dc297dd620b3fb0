import type { WebhookWire } from "../bitbucket/schema";

/**
 * A webhook Port's Ocean `bitbucket-server` integration created (ocean-bitbucket-server.md §3.1): named
 * `Port Ocean - <project>` or `Port Ocean - <project>-<repository>`, delivering to `<OCEAN__BASE_URL>/integration/webhook`.
 * Both must match, so a hook someone merely named alike is never touched. When this agent takes over, a sync deletes
 * them: once Ocean is stopped they would keep delivering to a dead URL (Bitbucket then trips its circuit breaker for
 * the whole scope). Ocean recreates them at its next start, which is the rollback.
 */
export function isOceanHook(hook: WebhookWire): boolean {
  const name = hook.name;
  let path: string;
  try {
    path = new URL(hook.url).pathname;
  } catch {
    return false;
  }
  return name.startsWith("Port Ocean - ") && /\/integration\/webhook\/?$/.test(path);
}
