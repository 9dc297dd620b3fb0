import { ConfigError } from "../config/config-error";
import { WebhookTarget, type WebhookTargetInput } from "./schema";

/**
 * Builds and checks the target of our webhooks: the edge's `/webhooks/{tenant}` URL, our name and the secret.
 */

/**
 * @param edgeUrl `RELAY_URL`, with or without a trailing slash or a path prefix
 * @param tenant the edge's tenant name
 * @returns `<edge>/webhooks/<tenant>` (the tenant percent-encoded, any query or fragment of `edgeUrl` dropped)
 */
export function edgeWebhookUrl(edgeUrl: string, tenant: string): string {
  const base = new URL(edgeUrl);
  const path = base.pathname.replace(/\/+$/, "");
  return `${base.origin}${path}/webhooks/${encodeURIComponent(tenant)}`;
}

/** @returns `Bitbucket Relay (<tenant>)`, the name our hooks carry unless the caller picks another */
export function defaultWebhookName(tenant: string): string {
  return `Bitbucket Relay (${tenant})`;
}

/**
 * @param input the target as configured
 * @returns the validated target (defaults filled in)
 * @throws ConfigError naming every problem (never repeating the secret)
 */
export function parseWebhookTarget(input: WebhookTargetInput): WebhookTarget {
  const parsed = WebhookTarget.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    "webhook-target",
    parsed.error.issues.map((issue) => `webhook.${issue.path.join(".")}: ${issue.message}`),
    "the webhook settings",
  );
}
