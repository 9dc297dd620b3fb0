/**
 * A circuit per remote host, for the one failure that retrying cannot fix within a run: the host refuses
 * connections, does not resolve, or cannot be routed to. The first such failure opens the circuit; while it is
 * open every request fails at once with the same reason (a resync against a dead Bitbucket ends in seconds with one
 * clear line, instead of each request retrying the same dead host for half a minute). One probe may pass every
 * `probeAfterMs`; a success, of the probe or of anything in flight, closes it. Other failures (429, 5xx, resets,
 * timeouts) are none of its business: they keep their retries.
 */

/** Error codes of a connection that never reached a server. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * @param error what `fetch` threw (undici puts the socket's error in `cause`)
 * @returns the error code when the connection never reached a server, else null
 */
export function unreachableCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = "code" in current ? String(current.code) : undefined;
    if (code !== undefined && UNREACHABLE_CODES.has(code)) return code;
    // fetch refuses ports on the Fetch standard's block list (9, 25, 6000 …) before connecting, with no code.
    if (code === undefined && current.message === "bad port") return "BAD_PORT";
    // An AggregateError (several addresses of one name, all refused) carries its errors apart.
    if (current instanceof AggregateError) {
      const inner = current.errors.map((one) => unreachableCode(one)).find((found) => found !== null);
      if (inner !== undefined) return inner;
    }
    current = current.cause;
  }
  return null;
}

export interface HostCircuitOptions {
  now: () => number;
  /** How long the circuit stays shut before one request may try the host again. */
  probeAfterMs?: number;
}

export class HostCircuit {
  readonly #now: () => number;
  readonly #probeAfterMs: number;
  #reason: string | null = null;
  #probeAt = 0;

  constructor(options: HostCircuitOptions) {
    this.#now = options.now;
    this.#probeAfterMs = options.probeAfterMs ?? 5_000;
  }

  /** @returns why a request may not go now (the failure that opened the circuit), or null when it may */
  refusal(): string | null {
    if (this.#reason === null) return null;
    const now = this.#now();
    if (now < this.#probeAt) return this.#reason;
    this.#probeAt = now + this.#probeAfterMs;
    return null;
  }

  /** The host could not be reached: later requests fail fast until it answers again. */
  open(reason: string): void {
    this.#reason = reason;
    this.#probeAt = this.#now() + this.#probeAfterMs;
  }

  /** The host answered (any HTTP status). */
  close(): void {
    this.#reason = null;
  }

  get isOpen(): boolean {
    return this.#reason !== null;
  }
}
