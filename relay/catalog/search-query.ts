import { z } from "zod";

/**
 * Port's search-query object (`{ combinator, rules }`), which a mapping may use instead of a literal for an entity's
 * identifier, team or relations (port-api.md §6.7): Port resolves it to the matching entities. Rules nest.
 * Wire data, so permissive: unknown keys of a rule (a `relatedTo` rule's `blueprint`, `direction`…) are kept.
 */
export const SearchRule = z.looseObject({
  property: z.string().optional(),
  operator: z.string(),
  value: z.unknown().optional(),
});
export type SearchRule = z.infer<typeof SearchRule>;

export interface SearchQuery {
  combinator: "and" | "or";
  rules: (SearchRule | SearchQuery)[];
}

export const SearchQuery: z.ZodType<SearchQuery> = z.object({
  combinator: z.enum(["and", "or"]),
  get rules() {
    return z.array(z.union([SearchQuery, SearchRule]));
  },
});

/** Whether a value is shaped like a search query (an object with `combinator` and `rules`), not a literal. */
export function isSearchQuery(value: unknown): value is SearchQuery {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    "combinator" in value &&
    "rules" in value &&
    Array.isArray(value.rules)
  );
}

/** Whether a rule list item is a nested query rather than a rule. */
export function isNestedQuery(rule: SearchRule | SearchQuery): rule is SearchQuery {
  return "combinator" in rule && "rules" in rule;
}
