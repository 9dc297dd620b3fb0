/**
 * Keeps secrets out of every log line and error message. Known secret values (tokens, passwords, client
 * secrets, webhook secrets) are registered once at start-up and replaced wherever they appear; credentials in
 * URLs and `Authorization` headers are masked by shape, whatever their value.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers values to mask. Very short values are ignored: masking "a" would mangle every message. */
  add(...values: (string | undefined | null)[]): this {
    for (const value of values) {
      if (value !== undefined && value !== null && value.length >= 4) this.#secrets.add(value);
    }
    return this;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join("[redacted]");
    }
    return out
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, "$1[redacted]@")
      .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, "$1 [redacted]")
      .replace(
        /("?(?:password|secret|token|clientSecret|client_secret|accessToken)"?\s*[:=]\s*)"[^"]*"/gi,
        '$1"[redacted]"',
      );
  }

  /** Redacts every string inside a JSON-like value (log fields). */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === "string") return this.redact(value);
    if (value instanceof Error) return this.redact(value.message);
    if (depth > 6 || value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map((item) => this.redactValue(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      out[key] = SECRET_FIELD.test(key) ? "[redacted]" : this.redactValue(field, depth + 1);
    }
    return out;
  }
}

const SECRET_FIELD =
  /^(password|secret|token|authorization|clientSecret|client_secret|accessToken|webhookSecret|agentToken)$/i;
