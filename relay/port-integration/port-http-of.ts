import { PortHttp } from "../catalog/port/port-http";
import type { PortSettings } from "../config/environment";
import { systemClock } from "../http/clock";
import type { Logger } from "../log/logger";

export interface PortHttpOfOptions {
  userAgent: string;
  log: Logger;
  fetch?: typeof fetch;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Tries per request (default 10, Ocean's). */
  maxAttempts?: number;
  requestTimeoutMs?: number;
}

/**
 * A Port connection for the integration routes, with the catalog's token handling, retries and host circuit. It is
 * its own connection (and circuit), so a slow integration call never holds up the catalog's writes.
 */
export function portHttpOf(settings: PortSettings, options: PortHttpOfOptions): PortHttp {
  return new PortHttp({
    baseUrl: settings.baseUrl,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    userAgent: options.userAgent,
    fetch: options.fetch ?? fetch,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? systemClock.sleep,
    log: options.log,
    maxAttempts: options.maxAttempts ?? 10,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    random: Math.random,
    tokenRefreshMarginMs: 60_000,
  });
}
