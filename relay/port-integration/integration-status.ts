import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { userAgentOf } from "../catalog/integration-identity";
import { portHttpOf } from "../catalog/port/port-http-of";
import type { AgentEnvironment } from "../config/environment";
import type { ScheduleRecord } from "../live/scheduled-resyncs";
import type { Logger } from "../log/logger";
import { messageOf } from "../log/message-of";
import type { ResyncState } from "./integration-schema";
import { PortIntegrationClient } from "./port-integration-client";
import { INTEGRATION_TYPE } from "./register-integration";

/** What `bbrelay status` and `doctor` show of the agent as a Port integration. */
export type IntegrationStatus =
  | { kind: "local" }
  | { kind: "disabled" }
  | { kind: "error"; installationId: string; error: string }
  | { kind: "missing"; installationId: string }
  | {
      kind: "registered";
      installationId: string;
      type: string | null;
      version: string | null;
      /** Where the mapping in force comes from (what `bbrelay run` would use now). */
      mappingSource: "port" | "file" | "default";
      /** Port's config: a short content hash (changes with every edit) and when the integration last changed. */
      mappingVersion: string | null;
      updatedAt: string | null;
      resyncState: ResyncState | null;
    };

/** @returns the integration as Port has it now; never throws */
export async function readIntegrationStatus(options: {
  environment: AgentEnvironment;
  version: string;
  log: Logger;
  fetch?: typeof fetch;
}): Promise<IntegrationStatus> {
  const { environment } = options;
  if (environment.port === null) return { kind: "local" };
  if (!environment.integration.enabled) return { kind: "disabled" };
  const installationId = environment.installationId;
  const http = portHttpOf(environment.port, {
    userAgent: userAgentOf({
      integrationType: INTEGRATION_TYPE,
      version: options.version.replace(/[^A-Za-z0-9._@+=:-]/g, "-"),
      installationId,
      feature: "exporter",
    }),
    log: options.log,
    maxAttempts: 3,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  try {
    const integration = await new PortIntegrationClient(http, installationId).get();
    if (integration === null) return { kind: "missing", installationId };
    const config = integration.config ?? null;
    const empty = config === null || Object.keys(config).length === 0;
    const local = environment.mappingPath === null ? "default" : "file";
    return {
      kind: "registered",
      installationId,
      type: integration.installationAppType ?? null,
      version: integration.version ?? null,
      mappingSource: environment.integration.mappingSource === "file" || empty ? local : "port",
      mappingVersion: empty ? null : createHash("sha256").update(JSON.stringify(config)).digest("hex").slice(0, 12),
      updatedAt: integration.updatedAt ?? null,
      resyncState: integration.resyncState ?? null,
    };
  } catch (error) {
    return { kind: "error", installationId, error: messageOf(error) };
  }
}

/** @returns the next resync `bbrelay run` scheduled (its `schedule.json`), or null when it scheduled none */
export function readSchedule(stateDir: string): ScheduleRecord | null {
  try {
    const parsed = ScheduleFile.safeParse(JSON.parse(readFileSync(join(stateDir, "schedule.json"), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const ScheduleFile = z.object({
  intervalMinutes: z.number().nullable(),
  nextResyncAt: z.string().nullable(),
  writtenAt: z.string(),
});

/** Lines for a person. */
export function describeIntegration(status: IntegrationStatus): string {
  switch (status.kind) {
    case "local":
      return "Port integration: none (no Port credentials: the local catalog, with the local mapping).";
    case "disabled":
      return "Port integration: off (BBRELAY_PORT_INTEGRATION=false); the local mapping is in force.";
    case "error":
      return `Port integration "${status.installationId}": could not be read: ${status.error}`;
    case "missing":
      return `Port integration "${status.installationId}": not registered yet (bbrelay run or bbrelay resync creates it).`;
    case "registered": {
      const state = status.resyncState;
      const lines = [
        `Port integration "${status.installationId}": ${status.type ?? "no type"}, version ${status.version ?? "none"}, updated ${status.updatedAt ?? "never"}`,
        `  mapping in force: ${status.mappingSource === "port" ? `Port's config (version ${status.mappingVersion})` : status.mappingSource === "file" ? "the local file (BBRELAY_CONFIG / BBRELAY_MAPPING_SOURCE=file)" : "the built-in mapping"}`,
        state === null || state.status === undefined || state.status === null
          ? "  resync state in Port: none reported yet"
          : `  resync state in Port: ${state.status}, started ${state.lastResyncStart ?? "?"}, ended ${state.lastResyncEnd ?? "-"}, next ${state.nextResync ?? "not scheduled"}${state.intervalInMinuets == null ? "" : ` (every ${state.intervalInMinuets} min)`}`,
      ];
      return lines.join("\n");
    }
  }
}
