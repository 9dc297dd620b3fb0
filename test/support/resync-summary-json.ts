import { z } from "zod";

/** The JSON `bbrelay resync` prints, parsed strictly enough for assertions (tests never cast output). */
export const KindSummaryJson = z.looseObject({
  kind: z.enum(["project", "repository", "pull-request", "user"]),
  status: z.enum(["succeeded", "partial", "failed", "aborted", "skipped"]),
  listed: z.number(),
  selected: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  deleted: z.number(),
  failed: z.number(),
});

export const FailureGroupJson = z.looseObject({
  cause: z.string(),
  kind: z.string().nullable(),
  blueprint: z.string().optional(),
  field: z.string().optional(),
  count: z.number(),
  message: z.string(),
  fix: z.string(),
  samples: z.array(z.string()),
});

export const ResyncSummaryJson = z.looseObject({
  status: z.enum(["succeeded", "partial", "failed", "aborted"]),
  dryRun: z.boolean(),
  kinds: z.array(KindSummaryJson),
  reconcile: z.looseObject({
    status: z.string(),
    owned: z.number(),
    deleted: z.number(),
    reason: z.string().optional(),
  }),
  failures: z.array(FailureGroupJson),
});
export type ResyncSummaryJson = z.infer<typeof ResyncSummaryJson>;
