/**
 * Bitbucket's webhook signature: `X-Hub-Signature: sha256=<lowercase hex>`, HMAC-SHA256 of the raw body bytes
 * with the webhook secret (UTF-8) as key (reference §5.2). Web standards only, so the edge and the agent (and
 * the fake Bitbucket that signs deliveries in tests) share one implementation.
 */

const encoder = new TextEncoder();

async function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

/**
 * @param secret the webhook secret
 * @param body the exact bytes that are sent
 * @returns the header value, `sha256=<lowercase hex>`
 */
export async function signWebhookBody(secret: string, body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), bytes);
  return `sha256=${toHex(new Uint8Array(mac))}`;
}

/**
 * Checks a signature header against every accepted secret (current and previous, during a rotation).
 * `crypto.subtle.verify` compares in constant time; the header is normalised first (prefix optional, hex in
 * either case) because senders and proxies differ in case (reference §7.2).
 * @param header the `X-Hub-Signature` value, or null when absent
 * @param body the raw request body
 * @param secrets the accepted secrets; an empty list never verifies
 * @returns the index of the secret that matched, or -1
 */
export async function verifyWebhookSignature(
  header: string | null,
  body: Uint8Array,
  secrets: readonly string[],
): Promise<number> {
  const mac = parseSignatureHeader(header);
  if (mac === null) return -1;
  for (const [index, secret] of secrets.entries()) {
    if (await crypto.subtle.verify("HMAC", await hmacKey(secret), mac, body)) return index;
  }
  return -1;
}

/** @returns the 32 MAC bytes of a `sha256=<hex>` header, or null when it is missing or malformed */
export function parseSignatureHeader(header: string | null): Uint8Array | null {
  if (header === null) return null;
  const trimmed = header.trim();
  const hex = trimmed.toLowerCase().startsWith("sha256=") ? trimmed.slice("sha256=".length) : trimmed;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}
