import type { PortHttp, PortResponse } from "../catalog/port/port-http";
import { FORBIDDEN_FIX, PortIntegrationError } from "./integration-errors";
import {
  IntegrationAnswer,
  type PortIntegration,
  ResyncRequestAnswer,
  type ResyncStateReport,
} from "./integration-schema";

/** One record shipped to the log ingest URL, as Ocean's handler builds it (`port_ocean/log/handlers.py`). */
export interface PortLogRecord {
  message: string;
  level: string;
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  timestamp: string;
  extra: Record<string, unknown>;
}

export interface CreateIntegrationBody {
  installationAppType: string;
  version: string;
  config: Record<string, unknown>;
}

/**
 * Port's integration routes for one installation (port-api.md §4), as Ocean's `IntegrationClientMixin` calls them.
 * Every answer is validated; a 403 is a {@link PortIntegrationError} saying which credential Port wants.
 */
export class PortIntegrationClient {
  readonly #http: PortHttp;
  readonly #path: string;
  readonly installationId: string;

  constructor(http: PortHttp, installationId: string) {
    this.#http = http;
    this.installationId = installationId;
    this.#path = `/integration/${encodeURIComponent(installationId)}`;
  }

  /** @returns the integration, or null when Port has none with this installation id */
  async get(signal?: AbortSignal): Promise<PortIntegration | null> {
    const response = await this.#http.request("GET", this.#path, { signal });
    if (response.status === 404) return null;
    return this.#integrationOf(response, "GET");
  }

  async create(body: CreateIntegrationBody, signal?: AbortSignal): Promise<PortIntegration> {
    // Ocean's body (create_integration): the installation type is Port's to set (OnPrem for self-hosted writers).
    const response = await this.#http.request("POST", "/integration", {
      body: JSON.stringify({
        installationId: this.installationId,
        installationAppType: body.installationAppType,
        version: body.version,
        changelogDestination: {},
        config: body.config,
        actionsProcessingEnabled: false,
        incrementalSyncEnabled: false,
        createPortResourcesOrigin: "Ocean",
      }),
      signal,
    });
    return this.#integrationOf(response, "POST");
  }

  /** `PATCH /v1/integration/{id}`: Ocean sends the version with every patch. An empty body would ask for a resync. */
  async patch(
    fields: { version: string; installationAppType?: string },
    signal?: AbortSignal,
  ): Promise<PortIntegration> {
    const response = await this.#http.request("PATCH", this.#path, { body: JSON.stringify(fields), signal });
    return this.#integrationOf(response, "PATCH");
  }

  async reportResyncState(state: ResyncStateReport, signal?: AbortSignal): Promise<PortIntegration> {
    const response = await this.#http.request("PATCH", `${this.#path}/resync-state`, {
      body: JSON.stringify(state),
      signal,
    });
    return this.#integrationOf(response, "PATCH resync-state");
  }

  /** @returns the last resync request's time (Port's Resync button), or null when there is none */
  async resyncRequest(signal?: AbortSignal): Promise<string | null> {
    const response = await this.#http.request("GET", `${this.#path}/resync-request`, { signal });
    this.#check(response, "GET resync-request");
    const parsed = ResyncRequestAnswer.safeParse(response.body);
    if (!parsed.success) throw unexpected("GET resync-request", response, parsed.error.issues[0]?.message);
    return parsed.data.request?.updatedAt ?? null;
  }

  async sendExamples(kind: string, examples: readonly unknown[], signal?: AbortSignal): Promise<void> {
    const response = await this.#http.request("POST", `${this.#path}/kinds/${encodeURIComponent(kind)}/examples`, {
      body: JSON.stringify({ examples }),
      signal,
    });
    this.#check(response, "POST examples");
  }

  #integrationOf(response: PortResponse, call: string): PortIntegration {
    this.#check(response, call);
    const parsed = IntegrationAnswer.safeParse(response.body);
    if (!parsed.success)
      throw unexpected(call, response, `${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
    return parsed.data.integration;
  }

  #check(response: PortResponse, call: string): void {
    if (response.status === 403) {
      throw new PortIntegrationError(
        "forbidden",
        `Port refused ${call} of integration "${this.installationId}" (403): the credentials may write entities but not manage integrations; ${FORBIDDEN_FIX}`,
      );
    }
    if (response.status < 200 || response.status >= 300) throw unexpected(call, response);
  }
}

function unexpected(call: string, response: PortResponse, detail?: string): PortIntegrationError {
  const message =
    typeof response.body === "object" && response.body !== null && "message" in response.body
      ? String(response.body.message)
      : (detail ?? "");
  return new PortIntegrationError(
    "unexpected_response",
    `Port answered HTTP ${response.status} to ${call} of an integration${message === "" ? "" : `: ${message}`}`,
  );
}
