import { scrypt } from "node:crypto";

/**
 * A fingerprint of the webhook secret, stored in our hook's `configuration` so that a rotated secret is noticed
 * and applied by the next sync. Bitbucket may not return `configuration.secret` on a GET (reference §6: an old 5.x
 * fixture does, whether current versions mask it is unverified), so the secret itself cannot be compared.
 *
 * Why scrypt and not a plain hash: anyone who can read the hook (any project administrator) sees the fingerprint.
 * A fast hash would let them test guesses of a weak secret offline at billions per second; scrypt makes each guess
 * cost tens of milliseconds and 16 MiB. The salt is the hook's URL, so fingerprints differ between edges and
 * tenants, and one sync computes it once (every hook of a sync has the same URL).
 */

/** Bumped if the derivation ever changes, so that an old fingerprint reads as "different" and is rewritten. */
const VERSION = "scrypt1";
const KEY_BYTES = 16;
/** N = 2^14, r = 8, p = 1: Node's defaults, about 16 MiB and a few tens of milliseconds. */
const COST = { N: 16_384, r: 8, p: 1 } as const;

/**
 * @param secret the webhook secret
 * @param url the hook's URL (the salt)
 * @returns `scrypt1:<32 hex digits>`
 */
export async function secretFingerprint(secret: string, url: string): Promise<string> {
  const key = await new Promise<Buffer>((resolve, reject) => {
    scrypt(secret, `bbrelay webhook secret|${url}`, KEY_BYTES, COST, (error, derived) =>
      error ? reject(error) : resolve(derived),
    );
  });
  return `${VERSION}:${key.toString("hex")}`;
}
