import { Hono } from "hono";
import { sha256Hex } from "../../shared/crypto/digest";
import { verifyWebhookSignature } from "../../shared/crypto/hmac";
import { PING_EVENT_KEY, routeEvent } from "../../shared/events/routing";
import type { WebhookAccepted, WebhookIgnored, WebhookPong } from "../../shared/protocol/schema";
import type { Tenant } from "../config/tenants";
import { queueOf, settingsOf, tenantOf } from "../http/edge-config";
import { EdgeError } from "../http/edge-error";
import { readCappedBody } from "../http/read-capped-body";

/** Longer request ids are not Bitbucket's (a UUID); refusing them keeps the dedupe table's keys small. */
const MAX_REQUEST_ID_LENGTH = 256;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * `POST /webhooks/{tenant}`: Bitbucket's deliveries. The body is read once, as bytes, under the size cap; the
 * signature is checked over those exact bytes before anything is parsed; the entity is computed with the shared
 * routing table; the answer (202) is sent only once the insert is durable.
 */
export const webhookRoutes = new Hono<{ Bindings: Env }>();

webhookRoutes.post("/webhooks/:tenant", async (c) => {
  const tenant = tenantOf(c.env, c.req.param("tenant"));
  const body = await readCappedBody(c.req.raw, settingsOf(c.env).maxBodyBytes);
  const queue = queueOf(c.env, tenant);
  const headerKey = c.req.header("x-event-key")?.trim() || null;

  // "Test connection" is never signed (reference §5.2): answer it, record that Bitbucket reaches us, store nothing.
  if (headerKey === PING_EVENT_KEY) {
    await queue.ping();
    return c.json({ ping: true } satisfies WebhookPong, 200);
  }

  const refusal = await signatureRefusal(tenant, c.req.header("x-hub-signature") ?? null, body);
  if (refusal !== null) {
    await queue.reject("bad-signature");
    throw new EdgeError(401, "bad_signature", refusal);
  }

  const eventKey = eventKeyOf(parseJsonObject(body), headerKey);
  const routed = routeEvent(eventKey.key, eventKey.payload);
  switch (routed.result) {
    case "ping":
      await queue.ping();
      return c.json({ ping: true } satisfies WebhookPong, 200);
    case "ignored":
      await queue.reject("ignored");
      return c.json({ ignored: true, eventKey: routed.eventKey } satisfies WebhookIgnored, 202);
    case "invalid":
      throw new EdgeError(400, "invalid_payload", `${routed.eventKey}: ${routed.reason}`);
    case "routed": {
      const accepted: WebhookAccepted = await queue.ingest({
        deliveryId: await deliveryIdOf(c.req.header("x-request-id"), body),
        eventKey: routed.eventKey,
        entityKey: routed.entityKey,
        body,
      });
      return c.json(accepted, 202);
    }
  }
});

/** @returns why the delivery is refused, or null when it is accepted */
async function signatureRefusal(tenant: Tenant, header: string | null, body: Uint8Array): Promise<string | null> {
  if (tenant.webhookSecrets.length === 0) {
    if (tenant.acceptUnsigned) return null;
    // Fail closed: a tenant without a secret would otherwise accept anyone's deliveries.
    return "this tenant has no webhook secret configured, so deliveries are refused: set WEBHOOK_SECRET (or webhookSecrets in RELAY_TENANTS) and the same secret on the Bitbucket webhook, or mark the tenant acceptUnsigned";
  }
  if (header === null) {
    if (tenant.acceptUnsigned) return null;
    return "missing X-Hub-Signature: set the tenant's secret on the Bitbucket webhook";
  }
  if ((await verifyWebhookSignature(header, body, tenant.webhookSecrets)) >= 0) return null;
  return "X-Hub-Signature does not match: the Bitbucket webhook's secret differs from the edge's, or the body was changed on the way";
}

function parseJsonObject(body: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    throw new EdgeError(400, "invalid_json", "the body is not JSON (UTF-8): Bitbucket sends application/json");
  }
  if (!isRecord(value)) throw new EdgeError(400, "invalid_json", "the body must be a JSON object with an eventKey");
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function eventKeyOf(payload: Record<string, unknown>, headerKey: string | null): { key: string; payload: unknown } {
  const key = payload.eventKey;
  if (typeof key !== "string" || key.length === 0) {
    throw new EdgeError(400, "missing_event_key", "the body has no eventKey: this is not a Bitbucket Server webhook");
  }
  if (headerKey !== null && headerKey !== key) {
    throw new EdgeError(400, "event_key_mismatch", "X-Event-Key disagrees with the body's eventKey");
  }
  return { key, payload };
}

async function deliveryIdOf(header: string | undefined, body: Uint8Array): Promise<string> {
  const id = header?.trim();
  if (id === undefined || id.length === 0) return `sha256:${await sha256Hex(body)}`;
  if (id.length > MAX_REQUEST_ID_LENGTH) {
    throw new EdgeError(400, "invalid_request_id", `X-Request-Id is longer than ${MAX_REQUEST_ID_LENGTH} characters`);
  }
  // Header values reach the Worker as Latin-1 text, so UTF-8 bytes come out mangled (and two ids could mangle into
  // one, making a delivery a false duplicate). Bitbucket sends a UUID; anything else is refused, said plainly.
  if (!PRINTABLE_ASCII.test(id)) {
    throw new EdgeError(
      400,
      "invalid_request_id",
      "X-Request-Id must be printable ASCII (Bitbucket sends a UUID); this one holds other bytes",
    );
  }
  return id;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
