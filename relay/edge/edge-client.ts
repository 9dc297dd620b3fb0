import type { z } from "zod";
import { isEdgeErrorCode } from "../../shared/protocol/edge-error-code";
import {
  type AckRequestInput,
  AckResponse,
  DeadLetterList,
  type DropRequest,
  DropResponse,
  ErrorEnvelope,
  type ExtendRequest,
  ExtendResponse,
  type LeaseRequestInput,
  LeaseResponse,
  QueueStats,
  type RedriveRequest,
  RedriveResponse,
  ResyncRequestResponse,
} from "../../shared/protocol/schema";
import { type Clock, systemClock } from "../http/clock";
import { EdgeError } from "./edge-error";

/**
 * The agent's side of the edge protocol (`/agent/v1/{tenant}/...`): plain HTTPS calls out of the firewall, every
 * response validated with the shared schemas. Failures are `EdgeError`s (./edge-error.ts) whose retryability
 * tells the drain loop to back off and reconnect (no answer, 429, 5xx) or to stop; the token never appears in one.
 */

export interface EdgeClientOptions {
  /** The edge's base URL, e.g. `https://relay.example.workers.dev`. */
  baseUrl: string;
  tenant: string;
  token: string;
  fetch?: typeof fetch;
  /** Per-request timeout on top of a long-poll's own wait. */
  timeoutMs?: number;
  /** Each call's time limit (`deadline`); the system's by default. */
  clock?: Pick<Clock, "deadline">;
}

export class EdgeClient {
  readonly #base: string;
  readonly #token: string;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #clock: Pick<Clock, "deadline">;

  constructor(options: EdgeClientOptions) {
    this.#base = `${options.baseUrl.replace(/\/+$/, "")}/agent/v1/${encodeURIComponent(options.tenant)}`;
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** Leases up to `max` messages, long-polling up to `waitMs` when none is visible. */
  lease(request: LeaseRequestInput, signal?: AbortSignal): Promise<LeaseResponse> {
    return this.#call("POST", "/lease", LeaseResponse, request, (request.waitMs ?? 0) + this.#timeoutMs, signal);
  }

  ack(request: AckRequestInput): Promise<AckResponse> {
    return this.#call("POST", "/ack", AckResponse, request);
  }

  extend(request: ExtendRequest): Promise<ExtendResponse> {
    return this.#call("POST", "/extend", ExtendResponse, request);
  }

  stats(): Promise<QueueStats> {
    return this.#call("GET", "/stats", QueueStats);
  }

  requestResync(): Promise<ResyncRequestResponse> {
    return this.#call("POST", "/resync", ResyncRequestResponse, {});
  }

  deadLetters(after?: string): Promise<DeadLetterList> {
    const query = after === undefined ? "" : `?after=${encodeURIComponent(after)}`;
    return this.#call("GET", `/dead-letters${query}`, DeadLetterList);
  }

  redrive(request: RedriveRequest): Promise<RedriveResponse> {
    return this.#call("POST", "/dead-letters/redrive", RedriveResponse, request);
  }

  dropDeadLetters(request: DropRequest): Promise<DropResponse> {
    return this.#call("POST", "/dead-letters/drop", DropResponse, request);
  }

  async #call<T extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    schema: T,
    body?: unknown,
    timeoutMs = this.#timeoutMs,
    signal?: AbortSignal,
  ): Promise<z.infer<T>> {
    // The limit covers the answer and its body; cleared once both arrived (a long-poll's would linger 35 s).
    const deadline = this.#clock.deadline(timeoutMs);
    try {
      return await this.#exchange(method, path, schema, body, timeoutMs, deadline.signal, signal);
    } finally {
      deadline.clear();
    }
  }

  async #exchange<T extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    schema: T,
    body: unknown,
    timeoutMs: number,
    timeout: AbortSignal,
    signal: AbortSignal | undefined,
  ): Promise<z.infer<T>> {
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    const where = `${method} ${path.split("?")[0] ?? path}`;
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: combined,
      });
    } catch (error) {
      if (signal?.aborted === true) throw new EdgeError(null, "cancelled", `${where}: cancelled`);
      const reason = timeout.aborted ? `timed out after ${timeoutMs} ms` : describeNetworkError(error);
      throw new EdgeError(null, "unreachable", `${where}: edge unreachable (${reason})`);
    }
    const text = await response.text();
    if (!response.ok) {
      const envelope = ErrorEnvelope.safeParse(safeJson(text));
      const detail = envelope.success
        ? `${envelope.data.error.code}: ${envelope.data.error.message}`
        : `HTTP ${response.status}`;
      const hint =
        response.status === 401
          ? " (check RELAY_AGENT_TOKEN: it must be one of the tenant's agent tokens)"
          : response.status === 404
            ? " (check RELAY_TENANT and RELAY_URL)"
            : "";
      const code = envelope.success ? envelope.data.error.code : "http_error";
      throw new EdgeError(response.status, isEdgeErrorCode(code) ? code : "http_error", `${where}: ${detail}${hint}`);
    }
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EdgeError(
        response.status,
        "invalid_response",
        `${where}: the edge answered in an unexpected shape (${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}); are the agent and the edge the same version?`,
      );
    }
    return parsed.data;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
