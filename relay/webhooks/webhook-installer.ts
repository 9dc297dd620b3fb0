import type { BitbucketClient } from "../bitbucket/client";
import type { WebhookWire } from "../bitbucket/schema";
import type { Logger } from "../log/logger";
import { applyPlan } from "./apply-plan";
import { isOceanHook } from "./ocean-hook";
import { isOurHook } from "./our-hook";
import type { WebhookSelection } from "./project-selection";
import type { WebhookTarget, WebhookTargetInput } from "./schema";
import { resolveScopeMode, type ScopeMode, webhookEventKeys } from "./scope-mode";
import { type SurveyClient, surveyScopes } from "./scope-survey";
import { secretFingerprint } from "./secret-fingerprint";
import { planChanges, type WebhookPlan } from "./sync-plan";
import type { WebhookReport } from "./sync-report";
import { buildListing, type WebhookListing } from "./webhook-listing";
import { parseWebhookTarget } from "./webhook-target";

/**
 * Installs, reconciles, lists and removes our webhooks in Bitbucket. See index.ts for the overview.
 */

export interface WebhookInstallerOptions {
  client: InstallerClient;
  /** URL (`edgeWebhookUrl(RELAY_URL, tenant)`), name (`defaultWebhookName(tenant)`), the tenant's secret. */
  target: WebhookTargetInput;
  /** Which projects need hooks: `selectionFromMappers(mapping.mappers)` or `selectProjects(...)`. */
  selection: WebhookSelection;
  /** Port's `bitbucketIsVersion8Point7OrOlder`: true → repository hooks, false → project hooks; unset → detected. */
  bitbucketIsVersion8Point7OrOlder?: boolean;
  logger: Logger;
  /** Aborting stops new reads and writes; what was done is reported, the rest is `skipped` ("aborted"). */
  signal?: AbortSignal;
  /** Scopes worked on at once (the client bounds HTTP concurrency itself). Default 4. */
  concurrency?: number;
}

export type InstallerClient = SurveyClient & Pick<BitbucketClient, "version">;

export interface SyncOptions {
  /** Rewrite every hook of ours even when it looks right (e.g. its secret was changed in Bitbucket's UI). */
  forceUpdate?: boolean;
  /** Project mode: look for our old repository hooks in every selected project, not only where the project hook is new. */
  sweepRepositoryHooks?: boolean;
}

export class WebhookInstaller {
  readonly #options: WebhookInstallerOptions;
  readonly #target: WebhookTarget;
  readonly #logger: Logger;
  #fingerprint: Promise<string> | null = null;

  /** @throws ConfigError when the target is invalid (every problem, never the secret) */
  constructor(options: WebhookInstallerOptions) {
    this.#target = parseWebhookTarget(options.target);
    this.#options = options;
    this.#logger = options.logger.child({ component: "webhooks" });
    // Every line of every logger sharing this redactor masks the secret from now on.
    this.#logger.redactor.add(this.#target.secret);
  }

  /**
   * Reads every relevant scope and plans a sync; writes nothing (`--dry-run`).
   * @throws BitbucketError when the version (without the override) or `/projects` cannot be read
   * @throws ScopeModeError when the server's version is not a version number (and there is no override)
   */
  async planSync(options: SyncOptions = {}): Promise<WebhookPlan> {
    const mode = await resolveScopeMode(
      this.#options.client,
      this.#options.bitbucketIsVersion8Point7OrOlder,
      this.#logger,
    );
    const survey = await surveyScopes({
      ...this.#surveyBase(mode),
      walk: "sync",
      sweepRepositoryHooks: options.sweepRepositoryHooks === true,
    });
    return planChanges("sync", mode, survey, {
      ...(await this.#planBase(mode)),
      isReplaced: isOceanHook,
      forceUpdate: options.forceUpdate === true,
    });
  }

  /** Plans removing every hook of ours in every visible project and repository. @throws as planSync */
  async planRemoval(): Promise<WebhookPlan> {
    const mode = await resolveScopeMode(
      this.#options.client,
      this.#options.bitbucketIsVersion8Point7OrOlder,
      this.#logger,
    );
    const survey = await surveyScopes({ ...this.#surveyBase(mode), walk: "everywhere", sweepRepositoryHooks: false });
    return planChanges("remove", mode, survey, { ...(await this.#planBase(mode)), forceUpdate: false });
  }

  /** Carries out a plan of this installer. Per-scope failures are in the report, never thrown. */
  async apply(plan: WebhookPlan): Promise<WebhookReport> {
    if (plan.target.url !== this.#target.url || plan.target.name !== this.#target.name) {
      throw new Error("WebhookInstaller.apply: the plan was made for another webhook target");
    }
    const report = await applyPlan(plan, {
      client: this.#options.client,
      secret: this.#target.secret,
      fingerprint: await this.#secretFingerprint(),
      concurrency: this.#concurrency(),
      logger: this.#logger,
      signal: this.#options.signal,
    });
    this.#logger.info(
      { operation: report.operation, mode: report.mode.scope, ...report.counts, aborted: report.aborted },
      "Webhooks reconciled",
    );
    return report;
  }

  /** planSync, then apply. @throws as planSync */
  async sync(options: SyncOptions = {}): Promise<WebhookReport> {
    return this.apply(await this.planSync(options));
  }

  /** planRemoval, then apply. @throws as planSync */
  async remove(): Promise<WebhookReport> {
    return this.apply(await this.planRemoval());
  }

  /**
   * Our hooks where a sync looks, with drift and health; `includeForeign` adds everyone else's hooks there.
   * @throws as planSync
   */
  async list(options: { includeForeign?: boolean } = {}): Promise<WebhookListing> {
    const mode = await resolveScopeMode(
      this.#options.client,
      this.#options.bitbucketIsVersion8Point7OrOlder,
      this.#logger,
    );
    const survey = await surveyScopes({ ...this.#surveyBase(mode), walk: "sync", sweepRepositoryHooks: false });
    return buildListing(mode, survey, {
      ...(await this.#planBase(mode)),
      client: this.#options.client,
      includeForeign: options.includeForeign === true,
      concurrency: this.#concurrency(),
    });
  }

  #isOurs = (hook: WebhookWire): boolean => isOurHook(hook, this.#target);

  #surveyBase(mode: ScopeMode) {
    const { client, selection, signal } = this.#options;
    return {
      client,
      mode,
      selection,
      isOurs: this.#isOurs,
      concurrency: this.#concurrency(),
      logger: this.#logger,
      signal,
    };
  }

  async #planBase(mode: ScopeMode) {
    return {
      target: this.#target,
      events: {
        project: webhookEventKeys("project", mode.version),
        repository: webhookEventKeys("repository", mode.version),
      },
      fingerprint: await this.#secretFingerprint(),
      isOurs: this.#isOurs,
    };
  }

  #secretFingerprint(): Promise<string> {
    this.#fingerprint ??= secretFingerprint(this.#target.secret, this.#target.url);
    return this.#fingerprint;
  }

  #concurrency(): number {
    return Math.max(1, Math.floor(this.#options.concurrency ?? 4));
  }
}
