import { z } from "zod";

/**
 * Port's responses (port-api.md §1–§4), permissive: only the fields the client reads, unknown keys ignored, so a
 * field Port adds never breaks a sync. What a field means is in the reference.
 */

export const AccessTokenResponse = z.object({
  accessToken: z.string().min(1),
  /** Seconds. */
  expiresIn: z.number().positive(),
  tokenType: z.string().min(1),
});
export type AccessTokenResponse = z.infer<typeof AccessTokenResponse>;

/** `{ ok: false, error, message? }` on every route; `error` may be absent on odd gateways. */
export const PortErrorBody = z.object({
  error: z.string().optional(),
  message: z.string().optional(),
});
export type PortErrorBody = z.infer<typeof PortErrorBody>;

export const BulkUpsertResponse = z.object({
  entities: z
    .array(z.object({ identifier: z.string(), index: z.number().int().nonnegative(), created: z.boolean() }))
    .default([]),
  errors: z
    .array(
      z.object({
        identifier: z.string(),
        index: z.number().int().nonnegative(),
        statusCode: z.number().int(),
        error: z.string(),
        message: z.string().default(""),
      }),
    )
    .default([]),
});
export type BulkUpsertResponse = z.infer<typeof BulkUpsertResponse>;

export const SingleUpsertResponse = z.object({
  entity: z.object({ identifier: z.string() }),
});
export type SingleUpsertResponse = z.infer<typeof SingleUpsertResponse>;

export const BulkDeleteResponse = z.object({
  deletedEntities: z.array(z.string()).default([]),
});
export type BulkDeleteResponse = z.infer<typeof BulkDeleteResponse>;

export const DatasourceEntitiesResponse = z.object({
  entities: z.array(z.object({ identifier: z.string(), blueprint: z.string() })),
  next: z.string().nullish(),
});
export type DatasourceEntitiesResponse = z.infer<typeof DatasourceEntitiesResponse>;

const Relation = z.union([z.string(), z.array(z.string()), z.null()]);

export const EntityResponse = z.object({
  entity: z.object({
    identifier: z.string(),
    blueprint: z.string().optional(),
    title: z.string().nullish(),
    team: z.union([z.string(), z.array(z.string()), z.null()]).optional(),
    icon: z.string().nullish(),
    properties: z.record(z.string(), z.unknown()).default({}),
    relations: z.record(z.string(), Relation).default({}),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  }),
});
export type EntityResponse = z.infer<typeof EntityResponse>;
