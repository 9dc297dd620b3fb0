/**
 * Masks what looks like a secret in a raw Bitbucket item before it leaves for Port's mapping editor, as Ocean does
 * for its examples (`sensitive_log_filter.mask_object(data, full_hide=True)`, `port_ocean/log/sensetive.py`): the
 * same patterns (keys, tokens, private keys, credentials in URLs), plus any value under a key named like a secret and
 * any of the agent's own secret values.
 */

const MASK = "[REDACTED]";

// Ocean's list (https://github.com/h33tlit/secret-regex-list), for JavaScript's regex dialect.
const PATTERNS: readonly RegExp[] = [
  /[a-zA-Z]{3,10}:\/\/[^/\\\s:@]{3,20}:[^/\\\s:@]{3,20}@.{1,100}["'\s]/g,
  /[aA][pP][iI]_?[kK][eE][yY].*['"][0-9a-zA-Z]{32,45}['"]/g,
  /[sS][eE][cC][rR][eE][tT].*['"][0-9a-zA-Z]{32,45}['"]/g,
  /AIza[0-9A-Za-z\-_]{35}/g,
  /-----BEGIN (?:RSA|DSA|EC|OPENSSH|PGP) PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]+-----|$)/g,
  /AKIA[0-9A-Z]{16}/g,
  /amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
  /[gG][iI][tT][hH][uU][bB].*['"][0-9a-zA-Z]{35,40}['"]/g,
  /gh[pousr]_[0-9A-Za-z]{36}/g,
  /[0-9]+-[0-9A-Za-z_]{32}\.apps\.googleusercontent\.com/g,
  /ya29\.[0-9A-Za-z\-_]+/g,
  /[a-zA-Z]+:\/\/[^/\s]+:[^/\s]+@[^/\s]+\/[^/\s]+/g,
  // Bitbucket's HTTP access tokens.
  /BBDC-[0-9A-Za-z+/]{40,}/g,
];

const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|authorization)$/i;

/**
 * @param knownSecrets values that must never leave (the agent's tokens and passwords)
 * @returns a copy of `value` with secret-like strings replaced by `[REDACTED]`
 */
export function maskSecrets(value: unknown, knownSecrets: readonly string[] = []): unknown {
  if (typeof value === "string") return maskString(value, knownSecrets);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, knownSecrets));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key) && (typeof inner === "string" || typeof inner === "number")
          ? MASK
          : maskSecrets(inner, knownSecrets),
      ]),
    );
  }
  return value;
}

function maskString(text: string, knownSecrets: readonly string[]): string {
  let masked = text;
  for (const secret of knownSecrets) if (secret.length >= 4) masked = masked.split(secret).join(MASK);
  for (const pattern of PATTERNS) masked = masked.replace(pattern, MASK);
  return masked;
}
