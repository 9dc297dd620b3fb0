import { relative } from "node:path";
import { SIMULATION_LABEL } from "./bitbucket-simulator";
import type { LocalEdge } from "./local-edge";

/**
 * What `npm start` prints once everything is up: where each part is and how to look at it. Secrets are not
 * printed; the commands read them from the secrets file.
 */

export interface BannerFacts {
  root: string;
  edge: LocalEdge;
  /** The agent's settings as `KEY=value` lines, for `bbrelay --env-file`. */
  envFile: string;
  /** The agent's edge URL (the local one, or `--public-url`). */
  agentEdgeUrl: string;
  agentLogFile: string;
  /** The local catalog's file, or null when the agent writes to Port. */
  catalogPath: string | null;
  /** Port's base URL when the agent writes to Port. */
  portUrl: string | null;
  bitbucket:
    | { kind: "simulation"; url: string; username: string; password: string; paceMs: number }
    | { kind: "real"; url: string; publicUrl: string | null };
}

export function describePipeline(facts: BannerFacts): string {
  const path = (file: string) => {
    const inside = relative(facts.root, file);
    return inside.startsWith("..") || inside === "" ? file : inside;
  };
  const { edge, bitbucket } = facts;
  const simulated = bitbucket.kind === "simulation";
  const tokenFrom = `$(sed -n 's/^AGENT_TOKEN=//p' ${path(edge.secretsFile)})`;
  const lines = [
    simulated
      ? `Bitbucket Relay on this machine: the edge, the agent and the local catalog, fed by a SIMULATED Bitbucket Server ${SIMULATION_LABEL}.`
      : "Bitbucket Relay on this machine: the edge, the agent and the catalog, fed by your Bitbucket Server.",
    "",
    `  Edge             ${edge.url}   (local workerd, the bundle \`wrangler deploy\` uploads)`,
    `  Webhook URL      ${bitbucket.kind === "real" && bitbucket.publicUrl !== null ? `${bitbucket.publicUrl}/webhooks/${edge.tenant}` : edge.webhookUrl}`,
    simulated
      ? `  Bitbucket        ${bitbucket.url}   ${SIMULATION_LABEL} a fake server with demo data, not a real Bitbucket; one change every ${formatSeconds(bitbucket.paceMs)}; login ${bitbucket.username} / ${bitbucket.password}`
      : `  Bitbucket        ${bitbucket.url}   (your server)`,
    `  Agent            bbrelay run, in this process, leasing from ${facts.agentEdgeUrl}; log: ${path(facts.agentLogFile)}`,
    facts.catalogPath !== null
      ? `  Local catalog    ${path(facts.catalogPath)}${simulated ? " (fresh at each start, like the simulation)" : ""}`
      : `  Catalog          Port at ${facts.portUrl ?? "?"} (PORT_CLIENT_ID is set); live changes are shown for the local catalog only`,
    `  Secrets          ${path(edge.secretsFile)}${edge.generatedSecrets ? " (generated now)" : ""}: the webhook secret and the agent token; git-ignored`,
    `  Edge queues      ${path(edge.stateDir)}${simulated ? " (fresh at each start)" : " (kept between runs)"}`,
    "",
    "Look at it:",
    `  npx bbrelay status --env-file ${path(facts.envFile)}   (also doctor, resync, catalog export: the pipeline's settings)`,
    ...(facts.catalogPath === null
      ? []
      : // With a real server the agent reads the catalog's place from this shell's environment, as the command will.
        [
          `  ${simulated ? `CATALOG_PATH=${path(facts.catalogPath)} ` : ""}npx bbrelay catalog export   (--blueprint B: one blueprint)`,
        ]),
    `  curl -s ${edge.url}/agent/v1/${edge.tenant}/stats -H "Authorization: Bearer ${tokenFrom}"`,
    `  curl -s -X POST ${edge.url}/agent/v1/${edge.tenant}/resync -H "Authorization: Bearer ${tokenFrom}"   (a full resync)`,
    ...(simulated
      ? [
          `  curl -s -u ${bitbucket.username}:${bitbucket.password} ${bitbucket.url}/rest/api/1.0/projects   ${SIMULATION_LABEL}`,
        ]
      : []),
  ];
  if (bitbucket.kind === "real") lines.push("", ...reachabilityCaveat(facts, bitbucket));
  return lines.join("\n");
}

/** A real server delivers webhooks over its own network: the edge must be reachable from there. */
function reachabilityCaveat(
  facts: BannerFacts,
  bitbucket: Extract<BannerFacts["bitbucket"], { kind: "real" }>,
): string[] {
  if (bitbucket.publicUrl !== null) {
    return [
      `Webhooks: the agent installs them in ${bitbucket.url} pointing at ${bitbucket.publicUrl}/webhooks/${facts.edge.tenant} (--public-url);`,
      `that URL must lead to this edge (${facts.edge.url}).`,
    ];
  }
  return [
    `Webhooks: the agent installs them in ${bitbucket.url} pointing at ${facts.edge.webhookUrl}.`,
    "Only a server that can reach that address delivers them (one on this machine can). For a server elsewhere:",
    "  - npm start -- --host 0.0.0.0 --port 8787 --public-url https://<a tunnel or proxy to this machine's port 8787>",
    "    (the URL must be https: the agent sends its token there too), or",
    '  - deploy the edge to Cloudflare (README, "Deploy to Cloudflare") and run `bbrelay run` with RELAY_URL set to it.',
    "Until then the resyncs still run (the agent reads the server over REST); live changes wait for the next resync.",
  ];
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1_000).toFixed(ms % 1_000 === 0 ? 0 : 1)} s`;
}
