import {
  AckResponse,
  DeadLetterList,
  ExtendResponse,
  LeaseResponse,
  QueueStats,
  ResyncRequestResponse,
  WebhookAccepted,
} from "../../../shared/protocol/schema";
import { agentCall } from "./edge";

/**
 * Agent calls for the tests. Every answer is parsed with the protocol's strict schemas, so each test also checks
 * that the edge answers in the shape the agent expects.
 */

async function expectOk(response: Response, what: string): Promise<unknown> {
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

export async function lease(bindings: Env, tenant: string, body: Record<string, unknown> = {}): Promise<LeaseResponse> {
  return LeaseResponse.parse(await expectOk(await agentCall(bindings, tenant, "/lease", body), "lease"));
}

export async function ack(bindings: Env, tenant: string, body: Record<string, unknown>): Promise<AckResponse> {
  return AckResponse.parse(await expectOk(await agentCall(bindings, tenant, "/ack", body), "ack"));
}

export async function extend(bindings: Env, tenant: string, body: Record<string, unknown>): Promise<ExtendResponse> {
  return ExtendResponse.parse(await expectOk(await agentCall(bindings, tenant, "/extend", body), "extend"));
}

export async function stats(bindings: Env, tenant: string): Promise<QueueStats> {
  return QueueStats.parse(await expectOk(await agentCall(bindings, tenant, "/stats"), "stats"));
}

export async function deadLetters(bindings: Env, tenant: string, query = ""): Promise<DeadLetterList> {
  return DeadLetterList.parse(
    await expectOk(await agentCall(bindings, tenant, `/dead-letters${query}`), "dead-letters"),
  );
}

export async function requestResync(bindings: Env, tenant: string): Promise<ResyncRequestResponse> {
  return ResyncRequestResponse.parse(await expectOk(await agentCall(bindings, tenant, "/resync", {}), "resync"));
}

/** The 202 answer to a stored webhook. */
export async function accepted(response: Response): Promise<WebhookAccepted> {
  if (response.status !== 202) throw new Error(`the webhook answered ${response.status}: ${await response.text()}`);
  return WebhookAccepted.parse(await response.json());
}
