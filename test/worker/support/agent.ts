import type { AckResponse, DeadLetterList, ExtendResponse, QueueStats } from "../../../shared/protocol/schema";
import { agentCall } from "./edge";

/** Typed agent calls for the tests (the responses are checked against the protocol schemas elsewhere). */

export interface LeasedJson {
  id: string;
  leaseId: string;
  type: "event" | "resync";
  eventKey?: string;
  deliveryId?: string;
  entityKey: string;
  reason?: string;
  receivedAt: number;
  attempts: number;
  leaseExpiresAt: number;
  payload?: unknown;
}

export async function lease(bindings: Env, tenant: string, body: Record<string, unknown> = {}) {
  const response = await agentCall(bindings, tenant, "/lease", body);
  if (response.status !== 200) throw new Error(`lease answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { messages: LeasedJson[]; backlog: number };
}

export async function ack(bindings: Env, tenant: string, body: Record<string, unknown>) {
  const response = await agentCall(bindings, tenant, "/ack", body);
  if (response.status !== 200) throw new Error(`ack answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as AckResponse;
}

export async function extend(bindings: Env, tenant: string, body: Record<string, unknown>) {
  return (await (await agentCall(bindings, tenant, "/extend", body)).json()) as ExtendResponse;
}

export async function stats(bindings: Env, tenant: string) {
  return (await (await agentCall(bindings, tenant, "/stats")).json()) as QueueStats;
}

export async function deadLetters(bindings: Env, tenant: string, query = "") {
  return (await (await agentCall(bindings, tenant, `/dead-letters${query}`)).json()) as DeadLetterList;
}
