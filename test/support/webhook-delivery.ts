import { signWebhookBody } from "../../shared/crypto/hmac";

/**
 * A Bitbucket Server webhook delivery as it arrives on the wire (reference §5.1): `X-Event-Key`, a fresh
 * `X-Request-Id` per delivery and, when the hook has a secret, `X-Hub-Signature: sha256=<hex>` over the exact
 * body bytes.
 */
export interface WebhookDelivery {
  eventKey: string;
  /** An object is serialised with JSON.stringify; text or bytes are sent as they are. */
  body: unknown;
  /** Default: a new UUID; null sends none. */
  requestId?: string | null;
  /** Null or absent sends no signature. */
  secret?: string | null;
}

export async function deliveryRequest(
  delivery: WebhookDelivery,
): Promise<{ headers: Record<string, string>; body: Uint8Array }> {
  const body =
    delivery.body instanceof Uint8Array
      ? delivery.body
      : new TextEncoder().encode(typeof delivery.body === "string" ? delivery.body : JSON.stringify(delivery.body));
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "x-event-key": delivery.eventKey,
  };
  const requestId = delivery.requestId === undefined ? crypto.randomUUID() : delivery.requestId;
  if (requestId !== null) headers["x-request-id"] = requestId;
  if (delivery.secret != null) headers["x-hub-signature"] = await signWebhookBody(delivery.secret, body);
  return { headers, body };
}

/** POSTs a delivery to the edge's `/webhooks/{tenant}`. */
export async function deliverWebhook(
  baseUrl: string,
  tenant: string,
  delivery: WebhookDelivery,
  fetchImpl: typeof fetch = fetch,
): Promise<Response> {
  const { headers, body } = await deliveryRequest(delivery);
  return fetchImpl(`${baseUrl}/webhooks/${encodeURIComponent(tenant)}`, { method: "POST", headers, body });
}
