import { z } from "zod";
import { problemsFromZod } from "./problems";

/**
 * The leaves of a port-app-config: every one is a jq expression (Port's rule, port-api.md §6.1), including the
 * blueprint and every part of a search query, so a literal needs inner quotes (`'"bitbucketProject"'`).
 */

/** A rule of a Port search query: `{ property, operator, value }`, each a jq expression. */
export interface SearchRule {
  property: string;
  operator: string;
  value: string;
}

/**
 * A Port search query (`{ combinator, rules }`, rules nest), allowed where Port resolves a query on its side:
 * the identifier, the team and relations (port-api.md §6.7).
 */
export interface SearchQuery {
  combinator: string;
  rules: (SearchRule | SearchQuery)[];
}

/** What an identifier, a team or a relation maps to: one jq expression, or a search query of them. */
export type MappingValue = string | SearchQuery;

/** @returns whether a mapping value is a search query (as opposed to one jq expression) */
export function isSearchQuery(value: MappingValue | SearchRule): value is SearchQuery {
  return typeof value === "object" && "combinator" in value;
}

/**
 * One jq expression. YAML gives `query: true` or `value: 3` as a boolean or a number: those are the jq literals
 * the user meant, so they are kept as their JSON text. An empty string or any other type is a problem.
 */
export const JqExpression = z.unknown().transform((value, ctx): string => {
  if (typeof value === "string") {
    if (value.trim() !== "") return value;
    ctx.addIssue({
      code: "custom",
      message: "is empty: write a jq expression (a literal string needs inner quotes, e.g. '\"service\"')",
    });
    return z.NEVER;
  }
  if (typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) return JSON.stringify(value);
  ctx.addIssue({
    code: "custom",
    message:
      value === undefined
        ? "is required: write a jq expression"
        : `must be a jq expression written as a string, got ${describeType(value)}` +
          (isRecord(value) ? " (to build an object, write it in jq: '{a: .x}')" : ""),
  });
  return z.NEVER;
});

const SearchRuleSchema = z.strictObject({ property: JqExpression, operator: JqExpression, value: JqExpression });

// A getter keeps the recursion lazy (zod 4's way to declare recursive objects).
const SearchQuerySchema = z.strictObject({
  combinator: JqExpression,
  get rules() {
    return z.array(SearchRuleOrQuery).min(1, { error: "must hold at least one rule" });
  },
});

/** A rule or a nested query, told apart by `combinator` so that problems point inside the right shape. */
const SearchRuleOrQuery = z.unknown().transform((value, ctx): SearchRule | SearchQuery => {
  if (!isRecord(value)) {
    ctx.addIssue({
      code: "custom",
      message: `must be a rule {property, operator, value} or a query {combinator, rules}, got ${describeType(value)}`,
    });
    return z.NEVER;
  }
  const parsed = "combinator" in value ? SearchQuerySchema.safeParse(value) : SearchRuleSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  forwardIssues(ctx, parsed.error.issues);
  return z.NEVER;
});

/**
 * A jq expression, or a search query where Port allows one.
 */
export const JqOrSearchQuery = z.unknown().transform((value, ctx): MappingValue => {
  const parsed = isRecord(value) ? SearchQuerySchema.safeParse(value) : JqExpression.safeParse(value);
  if (parsed.success) return parsed.data;
  forwardIssues(ctx, parsed.error.issues);
  return z.NEVER;
});

/**
 * Re-reports the issues of a nested parse from inside a transform (their paths are relative to it), already in
 * their final wording: zod's transform context takes custom issues only.
 */
export function forwardIssues(ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[]): void {
  for (const problem of problemsFromZod(issues))
    ctx.addIssue({ code: "custom", message: problem.message, path: [...problem.path] });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `a number`, `an array`, `null`: for messages that say what was found instead. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping (object)";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  if (typeof value === "string") return "a string";
  return `a ${typeof value}`;
}
