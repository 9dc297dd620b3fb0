/**
 * Our webhooks in Bitbucket: install, reconcile, list, remove (`bbrelay webhooks sync | list | remove`, `bbrelay run`
 * after each resync, `bbrelay doctor`).
 *
 * ```ts
 * const installer = new WebhookInstaller({
 *   client,                                                  // BitbucketClient
 *   target: {
 *     url: edgeWebhookUrl(env.relay.url, env.relay.tenant),  // <edge>/webhooks/<tenant>
 *     name: defaultWebhookName(env.relay.tenant),            // "Bitbucket Relay (<tenant>)"
 *     secret,                                                // the tenant's webhook secret (the edge's WEBHOOK_SECRET)
 *     sslVerificationRequired: true,                         // default
 *   },
 *   selection: selectionFromMappers(mapping.mappers),        // or selectProjects(["PLAT"]) / selectProjects("all")
 *   bitbucketIsVersion8Point7OrOlder: undefined,             // Port's setting: true/false forces the scope
 *   logger, signal, concurrency: 4,
 * });                                                        // throws ConfigError for a bad target
 * const plan = await installer.planSync({ forceUpdate, sweepRepositoryHooks });  // reads only: --dry-run prints this
 * const report = await installer.apply(plan);                // or installer.sync(options)
 * const removal = await installer.remove();                  // or planRemoval() + apply()
 * const listing = await installer.list({ includeForeign });  // drift + health per hook, listing.summary for doctor
 * ```
 *
 * Behaviour:
 * - Scope: Bitbucket 8.8+ → one hook per selected project; 8.7 and older → one per non-archived repository of the
 *   selected projects. The version is compared part by part (8.10 > 8.7); the override wins. Repositories of
 *   personal projects (`includePersonalProjects`) always get repository hooks.
 * - Selection: the union of the mapping's project selectors; user-only mappings need no hooks; repository hooks
 *   only where a repository or pull-request resource covers the project.
 * - Ours = our name and our URL (current, or recorded in `configuration.bbrelayUrl`): other hooks are never touched.
 * - Idempotent: every page of hooks is read; missing → create; drifted (events, URL, inactive, SSL flag, secret,
 *   our configuration markers) → update with the whole object; duplicates of ours → delete; a second sync writes
 *   nothing. Events are `subscribableEventKeys(scope)` limited to what the version knows.
 * - Secret rotation: a scrypt fingerprint of the secret is kept in `configuration.bbrelaySecretFingerprint` (the
 *   server may not return the secret), so a new secret is applied by the next sync; `forceUpdate` rewrites anyway.
 * - Cleanup: in project mode, ours leave projects no longer selected, and our repository hooks from before project
 *   hooks (an upgrade past 8.8) go once the project hook is in place (looked for where the project hook is new, or
 *   everywhere with `sweepRepositoryHooks`); in repository mode on 8.8+, our project hooks go once every repository
 *   has its hook. `remove` deletes ours in every visible project and repository, nothing else.
 * - Failures: per scope, as values (`failed` with Bitbucket's message and a hint); no permission where nothing is
 *   wanted is `skipped`. `report.ok` is false when anything failed: the caller picks the exit code. Thrown only:
 *   the version (without override) or `/projects` unreadable (BitbucketError), an unparsable version (ScopeModeError).
 * - Plans, reports and listings never contain the secret; the secret is added to the logger's redactor.
 */

export type { DesiredHook, DriftField } from "./our-hook";
export { CREATED_BY, FINGERPRINT_KEY, URL_KEY } from "./our-hook";
export type { MapperSelectors, WebhookSelection } from "./project-selection";
export { selectionFromMappers, selectProjects } from "./project-selection";
export type { WebhookTargetInput } from "./schema";
export { WebhookTarget } from "./schema";
export type { ScopeMode } from "./scope-mode";
export { resolveScopeMode, webhookEventKeys } from "./scope-mode";
export type { RemovalReason, ScopeRole, SurveyProblem } from "./scope-survey";
export { scopeLabel } from "./scope-survey";
export type { PlannedChange, ScopePlan, WebhookPlan } from "./sync-plan";
export type { ChangeOutcome, ScopeReport, WebhookCounts, WebhookReport } from "./sync-report";
export type { DeliveryCounts, WebhookHealth } from "./webhook-health";
export { webhookHealth } from "./webhook-health";
export type { InstallerClient, SyncOptions, WebhookInstallerOptions } from "./webhook-installer";
export { WebhookInstaller } from "./webhook-installer";
export type { ListedHook, ListingSummary, ScopeListing, WebhookListing } from "./webhook-listing";
export { defaultWebhookName, edgeWebhookUrl, parseWebhookTarget } from "./webhook-target";
