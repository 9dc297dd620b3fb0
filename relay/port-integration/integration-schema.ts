import { z } from "zod";

/**
 * Port's integration object as the agent reads it (port-api.md §4; Ocean's `IntegrationClientMixin`). Permissive:
 * only the fields the agent uses are checked, everything else Port adds passes through untouched.
 */

export const ResyncStatus = z.enum(["running", "completed", "failed", "aborted"]);
export type ResyncStatus = z.infer<typeof ResyncStatus>;

export const ResyncState = z.looseObject({
  status: ResyncStatus.nullish(),
  lastResyncStart: z.string().nullish(),
  lastResyncEnd: z.string().nullish(),
  nextResync: z.string().nullish(),
  // Port's own spelling.
  intervalInMinuets: z.number().nullish(),
  updatedAt: z.string().nullish(),
});
export type ResyncState = z.infer<typeof ResyncState>;

export const PortIntegration = z.looseObject({
  installationId: z.string(),
  installationAppType: z.string().nullish(),
  installationType: z.string().nullish(),
  version: z.string().nullish(),
  /** The port-app-config: the mapping Port's data-source editor shows. Empty (`{}`) until someone sets one. */
  config: z.record(z.string(), z.unknown()).nullish(),
  resyncState: ResyncState.nullish(),
  logAttributes: z.looseObject({ ingestUrl: z.string().nullish() }).nullish(),
  updatedAt: z.string().nullish(),
});
export type PortIntegration = z.infer<typeof PortIntegration>;

export const IntegrationAnswer = z.looseObject({ integration: PortIntegration });

export const ResyncRequestAnswer = z.looseObject({
  request: z.looseObject({ id: z.string().nullish(), updatedAt: z.string().nullish() }).nullish(),
});

/** What the agent reports after `PATCH …/resync-state` (the body's shape, Port's spelling included). */
export interface ResyncStateReport {
  status: ResyncStatus;
  lastResyncStart?: string;
  lastResyncEnd?: string | null;
  nextResync: string | null;
  intervalInMinuets: number | null;
}
