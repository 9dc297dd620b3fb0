import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ROUTE_SCHEMA_MESSAGE } from "../../../relay/catalog/port-rules/port-error";
import type { RouteResponse } from "./fake-port-routes";

/**
 * Port's integration routes (port-api.md §4; Ocean's client `port_ocean/clients/port/mixins/integrations.py` and its
 * fakes): the integration object with its mapping (`config`) and `resyncState`, the mapping editor's config PATCH, the
 * resync request Port's Resync button records, raw data examples per kind, and the log ingest URL Port hands out.
 * What Port's UI does is a method here (`editConfig`, `pressResync`), so tests act as a Port user would.
 */

export interface FakeIntegration {
  identifier: string;
  installationId: string;
  installationAppType: string;
  installationType: "OnPrem";
  version: string;
  title: string | null;
  config: Record<string, unknown>;
  changelogDestination: unknown;
  resyncState: Record<string, unknown> | null;
  /** Port's settings for the app (`spec.appSpec.scheduledResyncInterval`, …), as Ocean reads them. */
  spec?: unknown;
  logAttributes: { ingestId: string; ingestUrl: string };
  createdAt: string;
  updatedAt: string;
}

/** One shipped log record as Ocean's handler builds it (`port_ocean/log/handlers.py`). */
export interface FakeLogRecord {
  message: string;
  level: string;
  timestamp: string;
  extra: Record<string, unknown>;
}

/** Ocean sends at most 5 raw items per kind per resync (SEND_RAW_DATA_EXAMPLES_AMOUNT); the fake keeps the last 5. */
export const EXAMPLES_KEPT = 5;

const CreateBody = z.object({
  installationId: z.string().min(1),
  installationAppType: z.string().min(1),
  version: z.string().optional(),
  changelogDestination: z.unknown().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  actionsProcessingEnabled: z.boolean().optional(),
  incrementalSyncEnabled: z.boolean().optional(),
  createPortResourcesOrigin: z.string().optional(),
});
const PatchBody = z.object({
  title: z.string().optional(),
  installationAppType: z.string().optional(),
  version: z.string().optional(),
  spec: z.unknown().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  changelogDestination: z.unknown().optional(),
});
const ConfigBody = z.object({ config: z.record(z.string(), z.unknown()) });
const Iso = z.iso.datetime({ offset: true });
// The misspelling `intervalInMinuets` is Port's; a body spelling it right is refused like any unknown field.
const ResyncStateBody = z.strictObject({
  status: z.enum(["running", "completed", "failed", "aborted"]),
  lastResyncStart: Iso.optional(),
  lastResyncEnd: Iso.nullable().optional(),
  nextResync: Iso.nullable().optional(),
  intervalInMinuets: z.number().int().nullable().optional(),
});
const ExamplesBody = z.object({ examples: z.array(z.unknown()) });
const LogsBody = z.object({
  logs: z.array(
    z.object({
      message: z.string(),
      level: z.string(),
      timestamp: z.string(),
      extra: z.record(z.string(), z.unknown()),
    }),
  ),
});

export interface IntegrationRequest {
  method: string;
  /** After `v1/integration`. */
  segments: string[];
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  now: string;
}

function fail(status: number, error: string, message: string): RouteResponse {
  return { status, body: { ok: false, error, message } };
}

function schemaFail(error: z.ZodError): RouteResponse {
  const issues = error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
  return fail(422, "invalid_request", `${ROUTE_SCHEMA_MESSAGE}: ${issues}`);
}

export class FakePortIntegrations {
  readonly #integrations = new Map<string, FakeIntegration>();
  readonly #requests = new Map<string, { id: string; updatedAt: string }>();
  readonly #examples = new Map<string, unknown[]>();
  /** Every resync state reported, in order: for assertions on running → completed/failed/aborted. */
  readonly states: { installationId: string; body: Record<string, unknown> }[] = [];
  readonly logs: { ingestId: string; records: FakeLogRecord[] }[] = [];
  readonly #baseUrl: () => string;
  readonly #now: () => string;

  constructor(baseUrl: () => string, now: () => string) {
    this.#baseUrl = baseUrl;
    this.#now = now;
  }

  get(installationId: string): FakeIntegration | null {
    return this.#integrations.get(installationId) ?? null;
  }

  /** An integration that exists before the agent starts (one Ocean created, or an earlier agent). */
  seed(integration: Partial<FakeIntegration> & { installationId: string; installationAppType: string }): void {
    const now = this.#now();
    this.#integrations.set(integration.installationId, {
      ...this.#fresh(integration.installationId, integration.installationAppType, now),
      ...integration,
    });
  }

  /** Port's mapping editor: Save replaces the config and, as in Port, asks the integration for a resync. */
  editConfig(installationId: string, config: Record<string, unknown>): void {
    const integration = this.#require(installationId);
    integration.config = config;
    integration.updatedAt = this.#now();
    this.pressResync(installationId);
  }

  /** Port's Resync button: records a resync request the integration's polling finds (`GET …/resync-request`). */
  pressResync(installationId: string): void {
    this.#require(installationId);
    this.#requests.set(installationId, { id: randomUUID(), updatedAt: this.#now() });
  }

  examples(installationId: string, kind: string): unknown[] {
    return this.#examples.get(`${installationId}\u0000${kind}`) ?? [];
  }

  /** Log messages shipped to an integration's ingest URL, oldest first. */
  logMessages(installationId: string): FakeLogRecord[] {
    const ingestId = this.get(installationId)?.logAttributes.ingestId;
    return this.logs.filter((batch) => batch.ingestId === ingestId).flatMap((batch) => batch.records);
  }

  /** `POST {logAttributes.ingestUrl}`: `/logs/ingest/{ingestId}` on the fake's own host. */
  ingestLogs(ingestId: string, body: unknown): RouteResponse {
    const known = [...this.#integrations.values()].some(
      (integration) => integration.logAttributes.ingestId === ingestId,
    );
    if (!known) return fail(404, "not_found", "Unknown log ingest id");
    const parsed = LogsBody.safeParse(body);
    if (!parsed.success) return schemaFail(parsed.error);
    this.logs.push({ ingestId, records: parsed.data.logs });
    return { status: 200, body: { ok: true } };
  }

  route(request: IntegrationRequest): RouteResponse | null {
    const { method, segments: s } = request;
    if (method === "POST" && s.length === 0) return this.#create(request);
    const id = s[0];
    if (id === undefined) return null;
    const integration = this.#integrations.get(id);
    const missing = () => fail(404, "not_found", `Integration with installationId "${id}" was not found`);
    if (s.length === 1) {
      if (method === "GET") return integration === undefined ? missing() : this.#answer(integration);
      if (method === "PATCH") return integration === undefined ? missing() : this.#patch(integration, request);
      if (method === "DELETE") {
        if (integration === undefined) return missing();
        this.#integrations.delete(id);
        return { status: 200, body: { ok: true } };
      }
      return null;
    }
    if (integration === undefined) return missing();
    const tail = s.slice(1).join("/");
    if (method === "PATCH" && tail === "config") {
      const parsed = ConfigBody.safeParse(request.body);
      if (!parsed.success) return schemaFail(parsed.error);
      integration.config = parsed.data.config;
      integration.updatedAt = request.now;
      if (request.headers["x-skip-resync"] !== "true") this.pressResync(id);
      return this.#answer(integration);
    }
    if (method === "PATCH" && tail === "resync-state") {
      const parsed = ResyncStateBody.safeParse(request.body);
      if (!parsed.success) return schemaFail(parsed.error);
      this.states.push({ installationId: id, body: parsed.data });
      integration.resyncState = { ...integration.resyncState, ...parsed.data, updatedAt: request.now };
      return this.#answer(integration);
    }
    if (method === "GET" && tail === "resync-request") {
      return { status: 200, body: { ok: true, request: this.#requests.get(id) ?? null } };
    }
    if (method === "POST" && s.length === 4 && s[1] === "kinds" && s[3] === "examples" && s[2] !== undefined) {
      const parsed = ExamplesBody.safeParse(request.body);
      if (!parsed.success) return schemaFail(parsed.error);
      const key = `${id}\u0000${s[2]}`;
      this.#examples.set(key, [...(this.#examples.get(key) ?? []), ...parsed.data.examples].slice(-EXAMPLES_KEPT));
      return { status: 200, body: { ok: true } };
    }
    return null;
  }

  #create(request: IntegrationRequest): RouteResponse {
    const parsed = CreateBody.safeParse(request.body);
    if (!parsed.success) return schemaFail(parsed.error);
    const body = parsed.data;
    if (this.#integrations.has(body.installationId))
      return fail(409, "conflict", `Integration with installationId "${body.installationId}" already exists`);
    const integration = {
      ...this.#fresh(body.installationId, body.installationAppType, request.now),
      version: body.version ?? "",
      config: body.config ?? {},
      changelogDestination: body.changelogDestination ?? {},
    };
    this.#integrations.set(body.installationId, integration);
    return { status: 201, body: { ok: true, integration } };
  }

  #patch(integration: FakeIntegration, request: IntegrationRequest): RouteResponse {
    const parsed = PatchBody.safeParse(request.body ?? {});
    if (!parsed.success) return schemaFail(parsed.error);
    const patch = parsed.data;
    // An empty body asks for a resync (update-an-integration.api.mdx).
    if (Object.keys(patch).length === 0) this.pressResync(integration.installationId);
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) Object.assign(integration, { [field]: value });
    }
    if (patch.config !== undefined) this.pressResync(integration.installationId);
    integration.updatedAt = request.now;
    return this.#answer(integration);
  }

  #answer(integration: FakeIntegration): RouteResponse {
    return { status: 200, body: { ok: true, integration } };
  }

  #require(installationId: string): FakeIntegration {
    const integration = this.#integrations.get(installationId);
    if (integration === undefined) throw new Error(`the fake Port has no integration "${installationId}"`);
    return integration;
  }

  #fresh(installationId: string, installationAppType: string, now: string): FakeIntegration {
    const ingestId = randomUUID();
    return {
      identifier: installationId,
      installationId,
      installationAppType,
      // Integrations that Port does not host (Ocean self-hosted, this agent) are on-prem.
      installationType: "OnPrem",
      version: "",
      title: null,
      config: {},
      changelogDestination: {},
      resyncState: null,
      logAttributes: { ingestId, ingestUrl: `${this.#baseUrl()}/logs/ingest/${ingestId}` },
      createdAt: now,
      updatedAt: now,
    };
  }
}
