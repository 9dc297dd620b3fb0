import { randomUUID } from "node:crypto";
import { signWebhookBody } from "../../../shared/crypto/hmac";
import { toIsoDialect } from "./event-payloads";
import type { FakeState } from "./fake-state";
import type { InvocationOutcome, WebhookRecord } from "./model";

/**
 * Webhook delivery as Bitbucket does it (reference §5.1, §5.2, §5.7): one POST per subscribed hook (a repository
 * hook and its project's hook both fire: two deliveries, two `X-Request-Id`s), `X-Hub-Signature` only when the
 * hook has a secret, HMAC over the exact bytes sent, fire-and-forget with no retry, and a circuit breaker that
 * skips a hook after 5 consecutive failures (10 s, doubling, at most 10 h). Skipped events are dropped. Every
 * outcome is recorded in the hook's statistics and in `deliveries` for assertions.
 */

export type DeliveryOutcome = InvocationOutcome | "SKIPPED";
export type WebhookDialect = "epoch" | "iso";

export interface DeliveryRecord {
  hookId: number;
  eventKey: string;
  requestId: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  outcome: DeliveryOutcome;
  status?: number;
  /** Fake-clock milliseconds. */
  at: number;
}

export interface DispatcherSettings {
  version: string;
  webhookDialect: WebhookDialect;
  deliveryTimeoutMs: number;
  /** `await`: a mutation resolves after its deliveries; `background`: fire and forget (see `idle()`). */
  dispatch: "await" | "background";
  /** Bitbucket skips deliveries while 250 are in flight. */
  maxInFlightDeliveries: number;
}

/** Where an event happened: hooks of the repository (if any) and of the project see it. */
export interface EventTarget {
  projectId: number;
  repositoryId?: number;
}

const BREAKER_THRESHOLD = 5;
const BREAKER_FIRST_SKIP_MS = 10_000;
const BREAKER_MAX_SKIP_MS = 10 * 60 * 60 * 1000;
const KEEP_INVOCATIONS = 100;

export class WebhookDispatcher {
  readonly deliveries: DeliveryRecord[] = [];
  readonly #state: FakeState;
  readonly #settings: DispatcherSettings;
  readonly #fetch: typeof fetch;
  readonly #pending = new Set<Promise<unknown>>();
  #inFlight = 0;

  constructor(options: { state: FakeState; settings: DispatcherSettings; fetch?: typeof fetch }) {
    this.#state = options.state;
    this.#settings = options.settings;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Active hooks subscribed to `eventKey` whose scope covers the target. */
  hooksFor(eventKey: string, target: EventTarget): WebhookRecord[] {
    return [...this.#state.webhooks.values()].filter((hook) => {
      if (!hook.active || !hook.events.includes(eventKey)) return false;
      if (hook.scope.type === "project") return hook.scope.projectId === target.projectId;
      return target.repositoryId !== undefined && hook.scope.repositoryId === target.repositoryId;
    });
  }

  /** Sends the event to every hook that covers it. @returns the deliveries (empty in background mode) */
  async dispatch(eventKey: string, payload: Record<string, unknown>, target: EventTarget): Promise<DeliveryRecord[]> {
    const wire = this.#settings.webhookDialect === "iso" ? toIsoDialect(payload) : payload;
    const body = JSON.stringify(wire);
    const sends = this.hooksFor(eventKey, target).map((hook) => this.#deliver(hook, eventKey, body, target));
    if (this.#settings.dispatch === "await") return Promise.all(sends);
    for (const send of sends) {
      this.#pending.add(send);
      void send.finally(() => this.#pending.delete(send));
    }
    return [];
  }

  /** Resolves when no background delivery is pending. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** "Test connection": an unsigned `diagnostics:ping` with body `{"test": true}` (reference §5.2). */
  async ping(
    url: string,
    credentials?: { username: string; password: string },
  ): Promise<{ statusCode: number; body: string } | { error: string }> {
    const headers = this.#baseHeaders("diagnostics:ping", credentials);
    try {
      const response = await this.#post(url, headers, '{"test": true}');
      return { statusCode: response.status, body: await response.text() };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  async #deliver(hook: WebhookRecord, eventKey: string, body: string, target: EventTarget): Promise<DeliveryRecord> {
    const now = this.#state.clock.now();
    const headers = this.#baseHeaders(eventKey, hook.credentials);
    const secret = hook.configuration.secret;
    if (secret !== undefined && secret !== "") headers["X-Hub-Signature"] = await signWebhookBody(secret, body);
    const record: DeliveryRecord = {
      hookId: hook.id,
      eventKey,
      requestId: headers["X-Request-Id"] ?? "",
      url: hook.url,
      headers,
      body,
      outcome: "SKIPPED",
      at: now,
    };
    this.deliveries.push(record);
    if (hook.skippedUntil > now || this.#inFlight >= this.#settings.maxInFlightDeliveries) {
      hook.skipped++;
      return record;
    }
    this.#inFlight++;
    let description: string;
    try {
      const response = await this.#post(hook.url, headers, body);
      await response.body?.cancel();
      record.status = response.status;
      record.outcome = response.ok ? "SUCCESS" : "FAILURE";
      description = `HTTP ${response.status}`;
    } catch (error) {
      record.outcome = "ERROR";
      description = error instanceof Error ? error.message : String(error);
    } finally {
      this.#inFlight--;
    }
    this.#record(hook, record, target, description, now);
    return record;
  }

  #record(hook: WebhookRecord, record: DeliveryRecord, target: EventTarget, description: string, start: number): void {
    const finish = this.#state.clock.now();
    const outcome: InvocationOutcome =
      record.outcome === "SUCCESS" || record.outcome === "FAILURE" ? record.outcome : "ERROR";
    hook.invocations.push({
      id: this.#state.nextId("invocation"),
      event: record.eventKey,
      eventScope:
        target.repositoryId === undefined
          ? { type: "project", id: String(target.projectId) }
          : { type: "repository", id: String(target.repositoryId) },
      duration: finish - start,
      start,
      finish,
      request: { url: hook.url, method: "POST" },
      result: { outcome, description },
    });
    if (hook.invocations.length > KEEP_INVOCATIONS) hook.invocations.shift();
    if (outcome === "SUCCESS") {
      hook.consecutiveFailures = 0;
      return;
    }
    hook.consecutiveFailures++;
    if (hook.consecutiveFailures >= BREAKER_THRESHOLD) {
      const doublings = hook.consecutiveFailures - BREAKER_THRESHOLD;
      const skip = Math.min(BREAKER_MAX_SKIP_MS, BREAKER_FIRST_SKIP_MS * 2 ** Math.min(doublings, 30));
      hook.skippedUntil = finish + skip;
    }
  }

  #baseHeaders(eventKey: string, credentials?: { username: string; password: string }): Record<string, string> {
    const build = this.#settings.version
      .split(".")
      .map((part) => part.padStart(3, "0"))
      .join("")
      .replace(/^0+/, "");
    return {
      "Content-Type": "application/json; charset=utf-8",
      "User-Agent": `Atlassian HttpClient 4.2.0 / Bitbucket-${this.#settings.version} (${build}) / Default`,
      "X-Event-Key": eventKey,
      "X-Request-Id": randomUUID(),
      ...(credentials === undefined
        ? {}
        : {
            Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`,
          }),
    };
  }

  async #post(url: string, headers: Record<string, string>, body: string): Promise<Response> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#settings.deliveryTimeoutMs);
    try {
      return await this.#fetch(url, { method: "POST", headers, body, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  }
}
