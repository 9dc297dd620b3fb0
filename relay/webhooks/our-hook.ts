import { secretsEqual } from "../../shared/crypto/digest";
import type { WebhookWire } from "../bitbucket/schema";
import type { WebhookInput } from "../bitbucket/webhooks";
import type { WebhookTarget } from "./schema";

/**
 * Which hooks are ours, what ours should look like, and how an existing one drifted.
 *
 * A hook is ours when it has our **name** and our **URL**, where the URL is either the hook's current URL or the one
 * we recorded in its `configuration.bbrelayUrl` when we wrote it. The second form lets a sync repair a URL that was
 * edited by hand, while another relay (another edge, another tenant: another URL) that happens to use the same name
 * is never mistaken for us. A hook whose name was edited by hand is no longer ours: it is left alone and a new one
 * is created (double deliveries are harmless: the agent re-reads every entity it is told about).
 *
 * `configuration` (a free-form string map, reference §6) carries, besides `secret`: `createdBy: bbrelay`,
 * `bbrelayUrl` and `bbrelaySecretFingerprint` (see secret-fingerprint.ts).
 */

export const CREATED_BY = "bbrelay";
export const URL_KEY = "bbrelayUrl";
export const FINGERPRINT_KEY = "bbrelaySecretFingerprint";

/** Our hook as it should be, without the secret (plans and reports are printed and logged). */
export interface DesiredHook {
  name: string;
  url: string;
  events: readonly string[];
  active: true;
  sslVerificationRequired: boolean;
}

/** What differs between a hook of ours and how it should be. */
export type DriftField = "events" | "url" | "active" | "sslVerificationRequired" | "secret" | "configuration";

export function desiredHook(target: WebhookTarget, events: readonly string[]): DesiredHook {
  return {
    name: target.name,
    url: target.url,
    events: [...events],
    active: true,
    sslVerificationRequired: target.sslVerificationRequired,
  };
}

/** @returns the whole body of a create or update (Bitbucket's PUT replaces the hook) */
export function webhookInput(hook: DesiredHook, secret: string, fingerprint: string): WebhookInput {
  return {
    name: hook.name,
    url: hook.url,
    events: hook.events,
    active: hook.active,
    sslVerificationRequired: hook.sslVerificationRequired,
    configuration: { secret, createdBy: CREATED_BY, [URL_KEY]: hook.url, [FINGERPRINT_KEY]: fingerprint },
  };
}

export function isOurHook(hook: WebhookWire, target: Pick<WebhookTarget, "name" | "url">): boolean {
  return hook.name === target.name && (hook.url === target.url || configurationValue(hook, URL_KEY) === target.url);
}

/**
 * @param secret the secret the hook should have
 * @param fingerprint `secretFingerprint(secret, desired.url)`
 * @returns the fields to repair, empty when the hook is as it should be
 */
export async function hookDrift(
  hook: WebhookWire,
  desired: DesiredHook,
  secret: string,
  fingerprint: string,
): Promise<DriftField[]> {
  const drift: DriftField[] = [];
  if (!sameSet(hook.events, desired.events)) drift.push("events");
  if (hook.url !== desired.url) drift.push("url");
  if (hook.active !== desired.active) drift.push("active");
  // Older servers may not return the flag: unknown is not drift.
  if (hook.sslVerificationRequired !== undefined && hook.sslVerificationRequired !== desired.sslVerificationRequired) {
    drift.push("sslVerificationRequired");
  }
  const storedFingerprint = configurationValue(hook, FINGERPRINT_KEY);
  const readableSecret = configurationValue(hook, "secret");
  // A server that returns the secret is trusted over the fingerprint (someone may have changed it in the UI).
  const secretMatches =
    readableSecret !== undefined ? await secretsEqual(readableSecret, secret) : storedFingerprint === fingerprint;
  if (!secretMatches) drift.push("secret");
  const markersMatch =
    configurationValue(hook, "createdBy") === CREATED_BY &&
    configurationValue(hook, URL_KEY) === desired.url &&
    (storedFingerprint === fingerprint || !secretMatches);
  if (!markersMatch) drift.push("configuration");
  return drift;
}

function configurationValue(hook: WebhookWire, key: string): string | undefined {
  const value = hook.configuration?.[key];
  return typeof value === "string" ? value : undefined;
}

function sameSet(actual: readonly string[], expected: readonly string[]): boolean {
  const wanted = new Set(expected);
  const have = new Set(actual);
  return have.size === wanted.size && [...wanted].every((key) => have.has(key));
}
