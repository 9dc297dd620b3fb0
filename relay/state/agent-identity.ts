import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LeasingAgent } from "../../shared/protocol/schema";

const AGENT_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Who this agent is to the edge: a stable id kept in the state directory (`agent-id`), and a new incarnation for
 * each run. When the agent restarts after a crash, its first lease call carries the same id with a new incarnation,
 * and the edge gives back at once what the crashed run held instead of waiting out the visibility timeout.
 * @param stateDir the agent's state directory (created if missing)
 */
export function agentIdentity(stateDir: string, newId: () => string = randomUUID): LeasingAgent {
  const file = join(stateDir, "agent-id");
  let id: string | null = null;
  try {
    const text = readFileSync(file, "utf8").trim();
    if (AGENT_ID.test(text)) id = text;
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ENOENT")) throw error;
  }
  if (id === null) {
    // A missing or unreadable id is replaced: the edge then treats this as a new agent (its old leases expire).
    id = newId();
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, `${id}\n`);
  }
  return { id, incarnation: newId() };
}
