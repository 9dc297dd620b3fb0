/**
 * Ocean's variable names for the same settings (ocean-bitbucket-server.md §1: `OCEAN__PORT__*`, the integration's
 * `OCEAN__INTEGRATION__CONFIG__<UPPER_SNAKE>` and Ocean's own settings), so that an Ocean installation's environment
 * works as it is. Ours win when both are set, with a note saying which one was used.
 */
export const OCEAN_ALIASES: Readonly<Record<string, string>> = {
  OCEAN__PORT__CLIENT_ID: "PORT_CLIENT_ID",
  OCEAN__PORT__CLIENT_SECRET: "PORT_CLIENT_SECRET",
  OCEAN__PORT__BASE_URL: "PORT_BASE_URL",
  OCEAN__INTEGRATION__IDENTIFIER: "BBRELAY_INSTALLATION_ID",
  OCEAN__INTEGRATION__CONFIG__BITBUCKET_USERNAME: "BITBUCKET_USERNAME",
  OCEAN__INTEGRATION__CONFIG__BITBUCKET_PASSWORD: "BITBUCKET_PASSWORD",
  OCEAN__INTEGRATION__CONFIG__BITBUCKET_BASE_URL: "BITBUCKET_URL",
  OCEAN__INTEGRATION__CONFIG__BITBUCKET_WEBHOOK_SECRET: "RELAY_WEBHOOK_SECRET",
  OCEAN__INTEGRATION__CONFIG__BITBUCKET_IS_VERSION8_POINT7_OR_OLDER: "BITBUCKET_IS_VERSION_8_POINT_7_OR_OLDER",
  OCEAN__SCHEDULED_RESYNC_INTERVAL: "BBRELAY_RESYNC_INTERVAL",
  OCEAN__SEND_RAW_DATA_EXAMPLES: "BBRELAY_SEND_RAW_DATA_EXAMPLES",
  OCEAN__INITIALIZE_PORT_RESOURCES: "BBRELAY_INITIALIZE_PORT_RESOURCES",
  OCEAN__EVENT_LISTENER__INTERVAL: "BBRELAY_PORT_POLL_INTERVAL",
};

/** Ocean's names whose values are secrets: redacted from every log line like ours. */
export const OCEAN_SECRET_ALIASES: readonly string[] = [
  "OCEAN__PORT__CLIENT_SECRET",
  "OCEAN__INTEGRATION__CONFIG__BITBUCKET_PASSWORD",
  "OCEAN__INTEGRATION__CONFIG__BITBUCKET_WEBHOOK_SECRET",
];

export interface AliasedEnvironment {
  env: Record<string, string | undefined>;
  /** One line per alias used or overridden, for the agent's start-up log. */
  notes: string[];
}

/**
 * @returns the environment with each Ocean name copied to ours where ours is unset (an empty value counts as unset)
 */
export function applyOceanAliases(env: Readonly<Record<string, string | undefined>>): AliasedEnvironment {
  const out: Record<string, string | undefined> = { ...env };
  const notes: string[] = [];
  const set = (value: string | undefined) => value !== undefined && value !== "";
  for (const [ocean, ours] of Object.entries(OCEAN_ALIASES)) {
    if (!set(env[ocean])) continue;
    if (set(env[ours])) {
      notes.push(`${ours} and Ocean's ${ocean} are both set; using ${ours}`);
      continue;
    }
    out[ours] = env[ocean];
    notes.push(`using Ocean's ${ocean} as ${ours}`);
  }
  return { env: out, notes };
}
