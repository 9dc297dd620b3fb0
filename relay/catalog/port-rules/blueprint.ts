import { z } from "zod";
import {
  BLUEPRINT_IDENTIFIER_MAX_LENGTH,
  BLUEPRINT_IDENTIFIER_PATTERN,
  PROPERTY_IDENTIFIER_MAX_LENGTH,
  PROPERTY_IDENTIFIER_PATTERN,
} from "../../../shared/mapping-config/port-identifiers";

/**
 * A Port blueprint in the shape of `seed/blueprints.json` and Port's create-blueprint body (port-api.md §3), read
 * permissively: only what the entity checks use is typed; everything else is kept so that a blueprint can be sent
 * to Port as it was given.
 */
export const PropertyType = z.enum(["string", "number", "boolean", "object", "array"]);
export type PropertyType = z.infer<typeof PropertyType>;

export const BlueprintProperty = z.looseObject({
  type: PropertyType,
  format: z.string().optional(),
  enum: z.array(z.unknown()).optional(),
  items: z
    .looseObject({
      type: PropertyType.optional(),
      format: z.string().optional(),
      enum: z.array(z.unknown()).optional(),
    })
    .optional(),
  pattern: z.string().optional(),
  minLength: z.number().int().nonnegative().optional(),
  maxLength: z.number().int().nonnegative().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
});
export type BlueprintProperty = z.infer<typeof BlueprintProperty>;

export const BlueprintRelation = z.looseObject({
  target: z.string().min(1),
  required: z.boolean().default(false),
  many: z.boolean().default(false),
  title: z.string().optional(),
});
export type BlueprintRelation = z.infer<typeof BlueprintRelation>;

export const Blueprint = z.looseObject({
  identifier: z
    .string()
    .max(BLUEPRINT_IDENTIFIER_MAX_LENGTH)
    .regex(
      BLUEPRINT_IDENTIFIER_PATTERN,
      "must match Port's blueprint identifier pattern ^(?!\\.{1,2}$)[\\p{L}0-9@_.+:\\\\/-]+$",
    ),
  title: z.string().min(1).max(100),
  schema: z.looseObject({
    properties: z
      .record(z.string().regex(PROPERTY_IDENTIFIER_PATTERN).max(PROPERTY_IDENTIFIER_MAX_LENGTH), BlueprintProperty)
      .default({}),
    required: z.array(z.string()).default([]),
  }),
  relations: z
    .record(z.string().regex(PROPERTY_IDENTIFIER_PATTERN).max(PROPERTY_IDENTIFIER_MAX_LENGTH), BlueprintRelation)
    .default({}),
});
export type Blueprint = z.infer<typeof Blueprint>;
