import { homedir } from "node:os";
import { loadEnvironment, requireRelay } from "../config/environment";
import { EdgeClient } from "../edge/edge-client";
import { EdgeError } from "../edge/edge-error";
import type { CommandContext } from "./command";
import { CommandFailed } from "./errors";

/** The edge client from RELAY_URL, RELAY_AGENT_TOKEN and RELAY_TENANT. @throws ConfigError when they are missing */
export function edgeClientOf(context: CommandContext): EdgeClient {
  const environment = loadEnvironment({ env: context.env, cwd: context.cwd, homeDir: homedir(), requires: ["relay"] });
  const relay = requireRelay(environment);
  return new EdgeClient({ baseUrl: relay.url, tenant: relay.tenant, token: relay.agentToken });
}

/** Runs an edge call; its failure is the command's (exit 1), with the edge's own message. */
export async function onEdge<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof EdgeError) throw new CommandFailed(`the edge: ${error.message}`);
    throw error;
  }
}
