import { type Clock, systemClock } from "../../http/clock";
import type { AttemptReport } from "../../http/retry";
import type { Logger } from "../../log/logger";
import { PortHttp } from "./port-http";

/** Where Port is and the machine credentials it knows the agent by (PORT_BASE_URL, PORT_CLIENT_ID, PORT_CLIENT_SECRET). */
export interface PortConnection {
  /** `https://api.getport.io` (EU), `https://api.us.getport.io` (US) or the new `api.port.io` hosts. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** How a connection to Port behaves; every default is production's (Ocean's figures, the system's time). */
export interface PortHttpOfOptions {
  /** Port records it as each written entity's `$datasource` (see integration-identity.ts). */
  userAgent: string;
  log: Logger;
  fetch?: typeof fetch | undefined;
  /** Epoch milliseconds. */
  now?: Clock["now"] | undefined;
  sleep?: Clock["sleep"] | undefined;
  /** Each request's time limit (`requestTimeoutMs`). */
  deadline?: Clock["deadline"] | undefined;
  /** For the backoff's jitter, in [0, 1). */
  random?: (() => number) | undefined;
  /** Tries per request (default 10, Ocean's). */
  maxAttempts?: number | undefined;
  /** Default 60 s, Ocean's. */
  requestTimeoutMs?: number | undefined;
  tokenRefreshMarginMs?: number | undefined;
  /** Told of every attempt (metrics: retries). */
  onAttempt?: ((report: AttemptReport & { method: string; path: string }) => void) | undefined;
}

/**
 * A connection to Port's API, with its token handling, retries and host circuit: the catalog's, and the integration
 * routes' own (so that a slow integration call never holds up the catalog's writes).
 */
export function portHttpOf(connection: PortConnection, options: PortHttpOfOptions): PortHttp {
  return new PortHttp({
    baseUrl: connection.baseUrl,
    clientId: connection.clientId,
    clientSecret: connection.clientSecret,
    userAgent: options.userAgent,
    fetch: options.fetch ?? fetch,
    clock: {
      now: options.now ?? systemClock.now,
      sleep: options.sleep ?? systemClock.sleep,
      deadline: options.deadline ?? systemClock.deadline,
    },
    log: options.log,
    maxAttempts: options.maxAttempts ?? 10,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    random: options.random ?? Math.random,
    tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? 60_000,
    onAttempt: options.onAttempt,
  });
}
