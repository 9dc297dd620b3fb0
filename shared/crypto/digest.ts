import { toHex } from "./hmac";

const encoder = new TextEncoder();

/** @returns the SHA-256 of the bytes (or of the UTF-8 text), as lowercase hex */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/**
 * Compares two secrets without leaking where they differ: both are hashed to SHA-256 first, so the comparison
 * runs over equal-length digests whatever the inputs' lengths, then every byte is compared.
 * @returns true when the two texts are equal
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}
