import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AckResponse,
  ErrorEnvelope,
  LeaseResponse,
  QueueStats,
  ResyncRequestResponse,
  WebhookAccepted,
} from "../../../shared/protocol/schema";
import { type EdgeHarness, startEdge } from "../../support/edge-harness";
import { deliverWebhook, deliveryRequest } from "../../support/webhook-delivery";

const SECRET = "edge-http-secret";
const TOKEN = "edge-http-agent-token-0123456789";
const TENANT = "acme";

function pullRequestEvent(eventKey: string, id: number) {
  const repository = { slug: "repostiroy-3", name: "Repostiroy 3", project: { key: "PRO3", name: "Project Three" } };
  return {
    eventKey,
    date: "2026-08-19T17:27:55+0000",
    pullRequest: {
      id,
      title: `PR ${id}`,
      createdDate: "2026-08-19T17:27:55.266Z",
      fromRef: { repository },
      toRef: { repository },
    },
  };
}

describe("the edge over real HTTP (bundled Worker in Miniflare)", () => {
  let edge: EdgeHarness;

  async function agent(path: string, body?: unknown, token = TOKEN): Promise<Response> {
    return fetch(`${edge.url}/agent/v1/${TENANT}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function drain(): Promise<void> {
    for (;;) {
      const leased = LeaseResponse.parse(await (await agent("/lease", { max: 100 })).json());
      if (leased.messages.length === 0) return;
      await agent("/ack", { acks: leased.messages.map((m) => m.leaseId) });
    }
  }

  beforeAll(async () => {
    edge = await startEdge({
      tenants: { tenants: { [TENANT]: { webhookSecrets: [SECRET], agentTokens: [TOKEN] } } },
      vars: { MAX_BODY_BYTES: "65536" },
    });
  });

  afterAll(async () => {
    await edge.stop();
  });

  it("listens on loopback and answers /healthz", async () => {
    const response = await fetch(`${edge.url}/healthz`);

    expect(edge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await response.json()).toEqual({ ok: true });
  });

  it("drives webhook → lease → ack with plain fetch", async () => {
    await drain();
    const payload = pullRequestEvent("pr:opened", 11);

    const delivered = await deliverWebhook(edge.url, TENANT, {
      eventKey: "pr:opened",
      body: payload,
      secret: SECRET,
      requestId: "http-1",
    });
    const accepted = WebhookAccepted.parse(await delivered.json());
    const leased = LeaseResponse.parse(await (await agent("/lease", { max: 5, visibilityMs: 30_000 })).json());
    const acked = AckResponse.parse(
      await (await agent("/ack", { acks: leased.messages.map((m) => m.leaseId) })).json(),
    );
    const stats = QueueStats.parse(await (await agent("/stats")).json());

    expect(delivered.status).toBe(202);
    expect(accepted.duplicate).toBe(false);
    expect(leased.messages).toEqual([
      expect.objectContaining({
        id: accepted.id,
        type: "event",
        eventKey: "pr:opened",
        deliveryId: "http-1",
        entityKey: "pull-request:PRO3/repostiroy-3/11",
        attempts: 1,
        payload,
      }),
    ]);
    expect(acked.results).toEqual([{ leaseId: leased.messages[0]?.leaseId, action: "ack", outcome: "ok" }]);
    expect(stats).toMatchObject({ tenant: TENANT, backlog: 0, inFlight: 0, counters: { acked: expect.any(Number) } });
  });

  it("long-polls over HTTP and wakes on the next webhook", async () => {
    await drain();

    const polling = agent("/lease", { waitMs: 20_000 });
    await deliverWebhook(edge.url, TENANT, {
      eventKey: "pr:merged",
      body: pullRequestEvent("pr:merged", 12),
      secret: SECRET,
    });
    const leased = LeaseResponse.parse(await (await polling).json());

    expect(leased.messages.map((m) => m.eventKey)).toEqual(["pr:merged"]);
    await agent("/ack", { acks: leased.messages.map((m) => m.leaseId) });
  });

  it("refuses oversized bodies with 413, by Content-Length and when streamed without one", async () => {
    const big = { ...pullRequestEvent("pr:opened", 13), description: "x".repeat(70_000) };
    const { headers, body } = await deliveryRequest({ eventKey: "pr:opened", body: big, secret: SECRET });
    const half = body.byteLength >> 1;

    const declared = await fetch(`${edge.url}/webhooks/${TENANT}`, { method: "POST", headers, body });
    const streamed = await fetch(`${edge.url}/webhooks/${TENANT}`, {
      method: "POST",
      headers,
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(body.subarray(0, half));
          controller.enqueue(body.subarray(half));
          controller.close();
        },
      }),
      duplex: "half",
    });

    expect(declared.status).toBe(413);
    expect(streamed.status).toBe(413);
    expect(ErrorEnvelope.parse(await streamed.json()).error.code).toBe("payload_too_large");
    expect(QueueStats.parse(await (await agent("/stats")).json()).backlog).toBe(0);
  });

  it("refuses a bad signature and a bad token with 401", async () => {
    const forged = await deliverWebhook(edge.url, TENANT, {
      eventKey: "pr:opened",
      body: pullRequestEvent("pr:opened", 1),
      secret: "forged",
    });
    const badToken = await agent("/stats", undefined, "wrong-token-0123456789");

    expect([forged.status, badToken.status]).toEqual([401, 401]);
    expect(ErrorEnvelope.safeParse(await badToken.json()).success).toBe(true);
  });

  it("puts a resync in the queue when the cron fires, once while it waits", async () => {
    await drain();

    await edge.triggerCron();
    await edge.triggerCron();
    const operator = ResyncRequestResponse.parse(await (await agent("/resync", {})).json());
    const leased = LeaseResponse.parse(await (await agent("/lease", { max: 10 })).json());

    expect(operator.coalesced).toBe(true);
    expect(leased.messages.map((m) => [m.type, m.reason])).toEqual([["resync", "cron"]]);
    await agent("/ack", { acks: leased.messages.map((m) => m.leaseId) });
  });

  it("keeps its queue across a restart, on the same URL", async () => {
    await drain();
    const url = edge.url;
    await deliverWebhook(edge.url, TENANT, {
      eventKey: "pr:declined",
      body: pullRequestEvent("pr:declined", 14),
      secret: SECRET,
      requestId: "restart-1",
    });
    const inFlight = LeaseResponse.parse(await (await agent("/lease", { max: 1 })).json());
    await deliverWebhook(edge.url, TENANT, {
      eventKey: "pr:opened",
      body: pullRequestEvent("pr:opened", 15),
      secret: SECRET,
    });

    await edge.restart();
    const stats = QueueStats.parse(await (await agent("/stats")).json());
    const acked = AckResponse.parse(
      await (await agent("/ack", { acks: inFlight.messages.map((m) => m.leaseId) })).json(),
    );
    const duplicate = WebhookAccepted.parse(
      await (
        await deliverWebhook(edge.url, TENANT, {
          eventKey: "pr:declined",
          body: pullRequestEvent("pr:declined", 14),
          secret: SECRET,
          requestId: "restart-1",
        })
      ).json(),
    );
    const rest = LeaseResponse.parse(await (await agent("/lease", {})).json());

    expect(edge.url).toBe(url);
    expect(stats).toMatchObject({ backlog: 1, inFlight: 1 });
    expect(acked.results[0]?.outcome).toBe("ok");
    expect(duplicate.duplicate).toBe(true);
    expect(rest.messages.map((m) => m.entityKey)).toEqual(["pull-request:PRO3/repostiroy-3/15"]);
  });
});
