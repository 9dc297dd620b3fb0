import type { AgentContext } from "../agent/agent-context";
import { type CheckResult, ok, warn } from "./check-result";

/**
 * `doctor`'s line about the agent as a Port integration: registered or not, and which mapping is in force and where
 * it comes from (the mapping's own problems, and its fit with Port's real blueprints, are the next checks').
 * @returns null without Port credentials
 */
export function checkIntegration(agent: AgentContext): CheckResult | null {
  const { environment, integration } = agent;
  if (environment.port === null) return null;
  if (!environment.integration.enabled)
    return ok("port.integration", "off (BBRELAY_PORT_INTEGRATION=false): entities are written, the mapping is local");
  if (integration === null) return null;
  const id = integration.client.installationId;
  if (integration.integration === null)
    return warn(
      "port.integration",
      `no integration "${id}" in Port yet: Port's Data sources page does not show this agent`,
      "run `bbrelay run` (or `bbrelay resync`): it creates it with the local mapping, or check BBRELAY_INSTALLATION_ID",
    );
  const where =
    integration.mappingSource === "port"
      ? "the mapping in force is Port's integration config (edit it on its data-source page)"
      : environment.integration.mappingSource === "file"
        ? `the mapping in force is ${agent.mapping.origin} (BBRELAY_MAPPING_SOURCE=file: Port's editor is ignored)`
        : `Port's integration has no mapping yet, so ${agent.mapping.origin} is in force`;
  const description = `integration "${id}" (${integration.integration.installationAppType ?? "no type"}, version ${integration.integration.version ?? "none"}); ${where}`;
  if (integration.mappingSource !== "port" && environment.integration.mappingSource === "port")
    return warn("port.integration", description, "set the mapping on the integration's data-source page in Port");
  return ok("port.integration", description);
}
