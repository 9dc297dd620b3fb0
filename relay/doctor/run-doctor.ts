import { join } from "node:path";
import { type AgentContext, DIAGNOSTIC_REQUESTS } from "../agent/agent-context";
import { webhookInstallerOf } from "../agent/webhook-installer-of";
import { parseBlueprints } from "../catalog/blueprints-file";
import type { Blueprint } from "../catalog/port-rules/blueprint";
import DEFAULT_BLUEPRINTS from "../config/default-blueprints.json";
import { EdgeClient } from "../edge/edge-client";
import { messageOf } from "../log/message-of";
import { checkBitbucket } from "./bitbucket-checks";
import { checkCatalog, checkMappingFitsBlueprints } from "./catalog-checks";
import { type CheckResult, fail, ok, warn } from "./check-result";
import { checkEdge, checkWebhooks } from "./edge-checks";
import { checkGitOps } from "./gitops-check";
import { checkIntegration } from "./integration-check";
import { checkJqEnvironment } from "./jq-env-check";
import { fileOutlook } from "./local-files";

/**
 * Every check of `bbrelay doctor`, in the order a person fixes things: configuration, Bitbucket, the catalog, the
 * edge and the webhooks. A check that cannot run because an earlier one failed is not run (its result would only
 * repeat the first problem).
 *
 * @param portUnreachable why Port could not be reached when the command read its integration: the catalog checks
 *   then fail with it at once instead of trying the dead host again (a dead Port costs one attempt in all)
 */
export async function runDoctor(
  agent: AgentContext,
  signal: AbortSignal,
  now: () => number = Date.now,
  onResult?: (result: CheckResult) => void,
  portUnreachable: string | null = null,
): Promise<CheckResult[]> {
  const { environment, mapping } = agent;
  const results: CheckResult[] = [];
  // Each result is reported as it is known, so a slow check never hides the ones before it.
  const add = (...found: CheckResult[]) => {
    for (const result of found) {
      results.push(result);
      onResult?.(result);
    }
  };
  add(
    ok(
      "config.mapping",
      `${mapping.origin}: ${mapping.mappers.length} resources (${mapping.mappers.map((mapper) => mapper.kind).join(", ")}), every jq expression compiles`,
    ),
  );
  const integrationResult = checkIntegration(agent);
  if (integrationResult !== null) add(integrationResult);
  const jqEnvResult = checkJqEnvironment(mapping, environment.jqEnv);
  if (jqEnvResult !== null) add(jqEnvResult);
  // Doctor only looks: it opens what exists and creates nothing (a fresh machine stays as it was).
  const stateFile = join(environment.stateDir, "state.sqlite");
  const state = fileOutlook(stateFile);
  if (state.kind === "blocked") add(fail("config.state", state.reason, "make BBRELAY_STATE_DIR a writable directory"));
  else if (state.kind === "creatable")
    add(
      ok(
        "config.state",
        `agent state in ${environment.stateDir}: not created yet (the first command that writes does)`,
      ),
    );
  else {
    try {
      agent.state();
      add(ok("config.state", `agent state in ${environment.stateDir}`));
    } catch (error) {
      add(fail("config.state", messageOf(error), "make BBRELAY_STATE_DIR a writable directory"));
    }
  }

  add(checkGitOps(agent));

  if (environment.bitbucket === null) {
    add(
      fail(
        "bitbucket.configured",
        "BITBUCKET_URL is not set",
        "set BITBUCKET_URL (the server's root URL) and BITBUCKET_TOKEN, or BITBUCKET_USERNAME and BITBUCKET_PASSWORD",
      ),
    );
  } else {
    for await (const result of checkBitbucket(agent.bitbucket(), mapping, environment.bitbucket.baseUrl)) add(result);
  }

  const localCatalog = environment.port === null ? fileOutlook(environment.catalogPath) : null;
  if (localCatalog !== null && localCatalog.kind !== "exists") {
    add(
      localCatalog.kind === "creatable"
        ? ok("catalog.reachable", `local catalog ${environment.catalogPath}: not created yet (the first resync does)`)
        : fail("catalog.reachable", localCatalog.reason, "set CATALOG_PATH to a file in a writable directory"),
    );
    // The blueprints it will be created with are the ones in force.
    const toCreate = agent.blueprints ?? builtInBlueprints();
    add(
      ...(await checkMappingFitsBlueprints(
        mapping,
        { getBlueprint: async () => null, kind: "local" },
        toCreate,
        signal,
      )),
    );
  } else if (portUnreachable !== null && agent.catalog().kind === "port") {
    add(fail("catalog.reachable", `${portUnreachable} (not tried again)`, PORT_UNREACHABLE_FIX));
  } else {
    const catalogResults = await checkCatalog(agent.catalog(), mapping, signal);
    add(...catalogResults);
    // Only when the catalog answers: otherwise this would repeat its failure.
    if (!catalogResults.some((result) => result.name === "catalog.reachable" && result.status === "fail"))
      add(...(await checkMappingFitsBlueprints(mapping, agent.catalog(), agent.blueprints, signal)));
  }

  const relay = environment.relay;
  if (relay === null) {
    add(
      warn(
        "edge.configured",
        "RELAY_URL is not set: resyncs work, but no live events arrive",
        "deploy the edge (see README) and set RELAY_URL, RELAY_AGENT_TOKEN and RELAY_WEBHOOK_SECRET",
      ),
    );
    return results;
  }
  const edgeResults = await checkEdge(
    new EdgeClient({
      baseUrl: relay.url,
      tenant: relay.tenant,
      token: relay.agentToken,
      timeoutMs: DIAGNOSTIC_REQUESTS.requestTimeoutMs,
    }),
    now(),
  );
  add(...edgeResults);
  if (relay.webhookSecret === null) {
    add(
      warn(
        "webhooks.configured",
        "RELAY_WEBHOOK_SECRET is not set: the webhooks cannot be checked nor installed",
        "set RELAY_WEBHOOK_SECRET to the tenant's webhook secret, then run `bbrelay webhooks sync`",
      ),
    );
  } else if (results.some((result) => result.name === "bitbucket.credentials" && result.status === "ok")) {
    // Only with working credentials (so not when Bitbucket is unreachable either): otherwise the webhook checks
    // would only repeat that failure with a misleading fix.
    add(...(await checkWebhooks(webhookInstallerOf(agent, signal))));
  }
  return results;
}

const PORT_UNREACHABLE_FIX =
  "check PORT_BASE_URL (https://api.getport.io for EU, https://api.us.getport.io for US), DNS, the proxy and the firewall";

/** What a new local catalog is created with when no blueprints file is given (as the agent context opens it). */
function builtInBlueprints(): Blueprint[] {
  return parseBlueprints(DEFAULT_BLUEPRINTS, "the built-in blueprints");
}
