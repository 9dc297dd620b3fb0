import type { Logger } from "../log/logger";
import { PortIntegrationError } from "./integration-errors";
import type { PortIntegration } from "./integration-schema";
import type { PortIntegrationClient } from "./port-integration-client";

/** Port's integration type for Bitbucket Server (Ocean's `bitbucket-server`): its data-source page, icon and kinds. */
export const INTEGRATION_TYPE = "bitbucket-server";

export interface RegisterOptions {
  client: PortIntegrationClient;
  version: string;
  /** The mapping a new integration starts with: `--config`/`BBRELAY_CONFIG`, else the built-in one. */
  seedConfig: () => Promise<Record<string, unknown>>;
  /** Create the integration when missing (Ocean's `initializePortResources`); false only reads it. */
  create: boolean;
  log: Logger;
  signal?: AbortSignal;
}

export type Registration =
  | { outcome: "created" | "existing" | "updated"; integration: PortIntegration }
  | { outcome: "missing"; integration: null };

/**
 * At start, as Ocean's `initialize_port_resources`: read the integration (`GET /v1/integration/{installationId}`),
 * create it when missing (type `bitbucket-server`, our version, the seed mapping; Port marks it on-prem), and patch
 * the version when it changed. An existing Ocean `bitbucket-server` integration with the same installation id is
 * adopted as it is: its mapping stays the one in force, and its entities are ours (same datasource).
 * @throws PortIntegrationError (403 names the credential Port wants; an installation id taken by another type)
 */
export async function registerIntegration(options: RegisterOptions): Promise<Registration> {
  const { client, log, signal } = options;
  const existing = await client.get(signal);
  if (existing === null) {
    if (!options.create) return { outcome: "missing", integration: null };
    const integration = await client.create(
      { installationAppType: INTEGRATION_TYPE, version: options.version, config: await options.seedConfig() },
      signal,
    );
    log.info({ installationId: client.installationId, type: INTEGRATION_TYPE }, "Created the integration in Port");
    return { outcome: "created", integration };
  }
  const type = existing.installationAppType ?? null;
  if (type !== null && type !== INTEGRATION_TYPE) {
    throw new PortIntegrationError(
      "installation_taken",
      `Port's integration "${client.installationId}" is a ${type} integration, not ${INTEGRATION_TYPE}: set BBRELAY_INSTALLATION_ID to an installation id of its own (one installation id names one integration in Port)`,
    );
  }
  if (existing.version === options.version && type !== null) return { outcome: "existing", integration: existing };
  const integration = await client.patch(
    { version: options.version, ...(type === null ? { installationAppType: INTEGRATION_TYPE } : {}) },
    signal,
  );
  log.info(
    { installationId: client.installationId, from: existing.version ?? null, to: options.version },
    "Updated the integration's version in Port",
  );
  return { outcome: "updated", integration };
}
