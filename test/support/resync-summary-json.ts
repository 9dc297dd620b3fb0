import { z } from "zod";

/** The JSON `bbrelay resync` prints, parsed strictly enough for assertions (tests never cast output). */
export const KindSummaryJson = z.looseObject({
  kind: z.enum(["project", "repository", "pull-request", "user"]),
  status: z.string(),
  listed: z.number(),
  selected: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  deleted: z.number(),
  failed: z.number(),
  errors: z.array(z.string()),
});

export const ResyncSummaryJson = z.looseObject({
  status: z.enum(["succeeded", "failed", "aborted"]),
  dryRun: z.boolean(),
  kinds: z.array(KindSummaryJson),
  reconcile: z.looseObject({
    status: z.string(),
    owned: z.number(),
    deleted: z.number(),
    reason: z.string().optional(),
  }),
});
export type ResyncSummaryJson = z.infer<typeof ResyncSummaryJson>;
