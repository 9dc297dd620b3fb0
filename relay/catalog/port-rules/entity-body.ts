import { z } from "zod";
import {
  ENTITY_IDENTIFIER_MAX_LENGTH,
  ENTITY_IDENTIFIER_PATTERN,
} from "../../../shared/mapping-config/port-identifiers";
import { SearchQuery } from "../search-query";

/**
 * The entity body of Port's create/upsert routes (port-api.md §2.1–2.3, from Port's OpenAPI spec): what Port checks
 * before it looks at the blueprint. A failure here is a 422 of the route itself (the whole request, in bulk), so the
 * Port client checks it before sending and the fake Port and the local catalog check it the same way.
 */
/** The pattern as Port's spec writes it, for error messages. */
const ENTITY_IDENTIFIER_PATTERN_TEXT = "^(?!\\.{1,2}$)[\\p{L}0-9@_.+:\\\\/=-]+$";
const PATTERN_MESSAGE = `must match pattern "${ENTITY_IDENTIFIER_PATTERN_TEXT}" (letters, digits and @ _ . + : \\ / = - only; no spaces)`;

export const EntityIdentifierText = z
  .string()
  .min(1, "must not be empty")
  .max(ENTITY_IDENTIFIER_MAX_LENGTH, `must be at most ${ENTITY_IDENTIFIER_MAX_LENGTH} characters`)
  .regex(ENTITY_IDENTIFIER_PATTERN, PATTERN_MESSAGE);

export const EntityBody = z.looseObject({
  identifier: z.union([EntityIdentifierText, SearchQuery], {
    error: `must be a string that ${PATTERN_MESSAGE}, or a search query {combinator, rules}`,
  }),
  title: z.string().nullable().optional(),
  icon: z.string().nullable().optional(),
  team: z.union([z.string(), z.array(z.string()), z.null(), SearchQuery]).optional(),
  properties: z.record(z.string(), z.unknown()).default({}),
  relations: z
    .record(z.string(), z.union([EntityIdentifierText, z.array(EntityIdentifierText), z.null(), SearchQuery]))
    .default({}),
});
export type EntityBody = z.infer<typeof EntityBody>;

/**
 * @returns the route-schema problems of an entity body as `path: message` (empty when it passes)
 */
export function entityBodyProblems(body: unknown): string[] {
  const parsed = parseEntityBody(body);
  return parsed.ok ? [] : parsed.problems;
}

/** @returns the entity body, or its route-schema problems as `path: message` */
export function parseEntityBody(body: unknown): { ok: true; entity: EntityBody } | { ok: false; problems: string[] } {
  const parsed = EntityBody.safeParse(body);
  if (parsed.success) return { ok: true, entity: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join(".") : "entity"}: ${issue.message}`,
    ),
  };
}
