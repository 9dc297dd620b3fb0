import { ConfigError } from "../config/config-error";
import { MISSING_WEBHOOK_SECRET, requireRelay } from "../config/environment";
import { defaultWebhookName, edgeWebhookUrl, selectionFromMappers, WebhookInstaller } from "../webhooks/index";
import type { AgentContext } from "./agent-context";

/**
 * The webhook installer as the agent's configuration defines it: hooks point at the edge's `/webhooks/{tenant}`,
 * carry the tenant's webhook secret, and cover the projects the mapping selects.
 * @throws ConfigError when the edge or the secret is not configured
 */
export function webhookInstallerOf(agent: AgentContext, signal: AbortSignal): WebhookInstaller {
  const relay = requireRelay(agent.environment);
  if (relay.webhookSecret === null) {
    throw new ConfigError("environment", [`RELAY_WEBHOOK_SECRET: ${MISSING_WEBHOOK_SECRET}`], "the environment");
  }
  return new WebhookInstaller({
    client: agent.bitbucket(),
    target: {
      url: edgeWebhookUrl(relay.url, relay.tenant),
      name: defaultWebhookName(relay.tenant),
      secret: relay.webhookSecret,
    },
    selection: selectionFromMappers(agent.mapping.mappers),
    ...(agent.environment.bitbucketIsVersion8Point7OrOlder === null
      ? {}
      : { bitbucketIsVersion8Point7OrOlder: agent.environment.bitbucketIsVersion8Point7OrOlder }),
    logger: agent.logger,
    signal,
  });
}
