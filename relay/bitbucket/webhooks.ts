import { z } from "zod";
import type { Logger } from "../log/logger";
import type { BitbucketTransport } from "./http-transport";
import { collect, paginate } from "./paginate";
import { parseWire } from "./parse-wire";
import { api } from "./rest-path";
import { WebhookStatisticsSummaryWire, WebhookWire } from "./schema";

/**
 * Webhook management at project scope (Bitbucket 8.8+, needs PROJECT_ADMIN) and repository scope (REPO_ADMIN),
 * reached as `client.webhooks`. Listings always walk every page (Ocean read only the first, reference ocean §3.1).
 * Creation is a POST and is never retried after a 5xx or a timeout, so a hook is never created twice; a 429 is
 * retried because the server refused it before doing anything.
 */

export type WebhookScope =
  | { type: "project"; projectKey: string }
  | { type: "repository"; projectKey: string; repositorySlug: string };

/** The body of a create or update: send the whole object (Bitbucket's PUT replaces). */
export interface WebhookInput {
  name: string;
  url: string;
  /** Only keys the server accepts (it rejects `pr:to_ref_updated`, `pr:reviewer:changes_requested`, `proj:modified`). */
  events: readonly string[];
  active: boolean;
  /** `secret` is the HMAC key; `createdBy` a label. */
  configuration?: Record<string, string>;
  sslVerificationRequired?: boolean;
  credentials?: { username: string; password: string };
}

export interface BitbucketWebhooksOptions {
  transport: BitbucketTransport;
  logger: Logger;
  pageSize: number;
  maxPages: number;
}

/** `POST …/webhooks/test`: what Bitbucket sent (a `diagnostics:ping`) and what came back. */
export const WebhookTestResultWire = z.looseObject({
  request: z.looseObject({ url: z.string().optional() }).optional(),
  response: z.looseObject({ statusCode: z.number().optional() }).optional(),
});
export type WebhookTestResultWire = z.infer<typeof WebhookTestResultWire>;

export class BitbucketWebhooks {
  readonly #options: BitbucketWebhooksOptions;

  constructor(options: BitbucketWebhooksOptions) {
    this.#options = options;
  }

  /** @returns every webhook of the scope (all pages); `statistics: true` adds each hook's statistics */
  async list(options: { scope: WebhookScope; event?: string; statistics?: boolean }): Promise<WebhookWire[]> {
    const { transport, logger, pageSize, maxPages } = this.#options;
    const query = { event: options.event, statistics: options.statistics };
    return collect(
      paginate({ transport, logger, path: hooksPath(options.scope), query, item: WebhookWire, pageSize, maxPages }),
    );
  }

  /** @returns the webhook, or null when it does not exist */
  async get(options: { scope: WebhookScope; webhookId: number }): Promise<WebhookWire | null> {
    const path = hooksPath(options.scope, options.webhookId);
    const response = await this.#options.transport.request({ method: "GET", path, expect: "json", accept: [404] });
    return response.status === 404 ? null : parseWire(WebhookWire, response.body, "GET", path);
  }

  async create(options: { scope: WebhookScope; webhook: WebhookInput }): Promise<WebhookWire> {
    this.#registerSecrets(options.webhook);
    const path = hooksPath(options.scope);
    const response = await this.#options.transport.request({
      method: "POST",
      path,
      body: options.webhook,
      expect: "json",
    });
    return parseWire(WebhookWire, response.body, "POST", path);
  }

  async update(options: { scope: WebhookScope; webhookId: number; webhook: WebhookInput }): Promise<WebhookWire> {
    this.#registerSecrets(options.webhook);
    const path = hooksPath(options.scope, options.webhookId);
    const response = await this.#options.transport.request({
      method: "PUT",
      path,
      body: options.webhook,
      expect: "json",
    });
    return parseWire(WebhookWire, response.body, "PUT", path);
  }

  /** @returns true when deleted, false when it did not exist (so a retried delete is not an error) */
  async delete(options: { scope: WebhookScope; webhookId: number }): Promise<boolean> {
    const path = hooksPath(options.scope, options.webhookId);
    const response = await this.#options.transport.request({ method: "DELETE", path, expect: "none", accept: [404] });
    return response.status !== 404;
  }

  /** @returns the last success/failure/error and counts (for `bbrelay doctor`), or null when the hook is gone */
  async statisticsSummary(options: {
    scope: WebhookScope;
    webhookId: number;
  }): Promise<WebhookStatisticsSummaryWire | null> {
    const path = `${hooksPath(options.scope, options.webhookId)}/statistics/summary`;
    const response = await this.#options.transport.request({ method: "GET", path, expect: "json", accept: [204, 404] });
    if (response.status === 404) return null;
    return response.status === 204 ? {} : parseWire(WebhookStatisticsSummaryWire, response.body, "GET", path);
  }

  /** Asks Bitbucket to send an unsigned `diagnostics:ping` to `url` ("Test connection"). */
  async test(options: { scope: WebhookScope; url: string; webhookId?: number }): Promise<WebhookTestResultWire> {
    const path = `${hooksPath(options.scope)}/test`;
    const query = { url: options.url, webhookId: options.webhookId };
    const response = await this.#options.transport.request({ method: "POST", path, query, expect: "json" });
    return parseWire(WebhookTestResultWire, response.body, "POST", path);
  }

  #registerSecrets(webhook: WebhookInput): void {
    this.#options.logger.redactor.add(webhook.configuration?.secret, webhook.credentials?.password);
  }
}

function hooksPath(scope: WebhookScope, webhookId?: number): string {
  const base =
    scope.type === "project"
      ? ["projects", scope.projectKey]
      : ["projects", scope.projectKey, "repos", scope.repositorySlug];
  return webhookId === undefined ? api(...base, "webhooks") : api(...base, "webhooks", webhookId);
}
