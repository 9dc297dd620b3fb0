import { CatalogUnavailableError } from "../catalog-unavailable-error";
import type { PortResponse } from "./port-http";
import { AccessTokenResponse, PortErrorBody } from "./port-schema";

export interface PortTokenProviderOptions {
  clientId: string;
  clientSecret: string;
  now: () => number;
  refreshMarginMs: number;
  /** Sends the token request (retrying 429/5xx like any request): body is `{clientId, clientSecret}` JSON. */
  requestToken: (body: string, signal: AbortSignal | undefined) => Promise<PortResponse>;
}

interface Token {
  header: string;
  /** When to stop using it: its expiry less the margin (at most a tenth of its lifetime, for short-lived tokens). */
  renewAt: number;
}

/**
 * Port's client-credentials token (port-api.md §1): `POST /v1/auth/access_token`, valid `expiresIn` seconds (3 h).
 * Cached and shared by concurrent requests (one request in flight at a time), renewed a margin before it expires,
 * and dropped when Port answers 401 with it. The token and the secret never leave this object except in the
 * `Authorization` header.
 */
export class PortTokenProvider {
  readonly #options: PortTokenProviderOptions;
  #token: Token | null = null;
  #pending: Promise<Token> | null = null;

  constructor(options: PortTokenProviderOptions) {
    this.#options = options;
  }

  /** @returns the `Authorization` header value (`Bearer …`) */
  async header(signal?: AbortSignal): Promise<string> {
    const token = this.#token;
    if (token !== null && this.#options.now() < token.renewAt) return token.header;
    this.#pending ??= this.#fetch(signal).finally(() => {
      this.#pending = null;
    });
    return (await this.#pending).header;
  }

  /** Forgets the token if it is still the one a 401 came back for (a concurrent request may have renewed it). */
  invalidate(header: string): void {
    if (this.#token?.header === header) this.#token = null;
  }

  async #fetch(signal: AbortSignal | undefined): Promise<Token> {
    const requestedAt = this.#options.now();
    const body = JSON.stringify({ clientId: this.#options.clientId, clientSecret: this.#options.clientSecret });
    const response = await this.#options.requestToken(body, signal);
    if (response.status !== 200 && response.status !== 201) {
      const error = PortErrorBody.safeParse(response.body);
      const detail = error.success && error.data.message !== undefined ? `: ${error.data.message}` : "";
      throw new CatalogUnavailableError(
        "credentials",
        `Port refused the client credentials (HTTP ${response.status} from POST /v1/auth/access_token${detail}); ` +
          "check PORT_CLIENT_ID and PORT_CLIENT_SECRET (the organization's machine credentials) and that PORT_BASE_URL is your region (EU or US)",
      );
    }
    const parsed = AccessTokenResponse.safeParse(response.body);
    if (!parsed.success) {
      throw new CatalogUnavailableError(
        "server_error",
        `Port's token response lacks ${parsed.error.issues.map((issue) => issue.path.join(".")).join(", ")}; is PORT_BASE_URL Port's API (https://api.getport.io or https://api.us.getport.io)?`,
      );
    }
    const lifetimeMs = parsed.data.expiresIn * 1000;
    const token = {
      header: `${parsed.data.tokenType} ${parsed.data.accessToken}`,
      // From when it was asked for, not received: the clock may have moved while the request was in flight.
      renewAt: requestedAt + lifetimeMs - Math.min(this.#options.refreshMarginMs, lifetimeMs / 10),
    };
    this.#token = token;
    return token;
  }
}
