import { messageOf } from "../../log/message-of";
import type { StoredEntity } from "../catalog";
import { isNestedQuery, type SearchQuery, type SearchRule } from "../search-query";

/**
 * Evaluates Port search queries (port-api.md §2.5) against stored entities: the `= != in notIn contains
 * doesNotContains containsAny beginsWith doesNotBeginsWith endsWith doesNotEndsWith isEmpty isNotEmpty > >= < <=`
 * operators over meta-properties (`$identifier $title $team $icon $blueprint $createdAt $updatedAt $datasource`) and
 * properties, with `and`/`or` nesting. Used where Port resolves queries: search identifiers and relations, and the
 * fake Port's search routes. `relatedTo`, `matchAny` and `propertySchema` rules are not supported and say so.
 */
export type CompiledQuery = { ok: true; test(entity: StoredEntity): boolean } | { ok: false; problem: string };

/** Operators Port allows in a search identifier, and in a search relation (port-api.md §6.7). */
export const IDENTIFIER_QUERY_OPERATORS: ReadonlySet<string> = new Set(["=", "in"]);
export const RELATION_QUERY_OPERATORS: ReadonlySet<string> = new Set(["=", "in", "contains"]);

type Predicate = (entity: StoredEntity) => boolean;

/**
 * @param allowed when given, only these operators are accepted (Port's limits for search identifiers/relations)
 */
export function compileSearchQuery(query: SearchQuery, allowed?: ReadonlySet<string>): CompiledQuery {
  try {
    const test = compileNode(query, allowed);
    return { ok: true, test };
  } catch (error) {
    return { ok: false, problem: messageOf(error) };
  }
}

/**
 * What a query pins down at its top level (`and` of `$blueprint =` and `$identifier =`/`in`), so a store can look
 * entities up by key instead of scanning.
 */
export function queryNarrowing(query: SearchQuery): { blueprint?: string; identifiers?: string[] } {
  if (query.combinator !== "and") return {};
  const out: { blueprint?: string; identifiers?: string[] } = {};
  for (const rule of query.rules) {
    if (isNestedQuery(rule)) continue;
    if (rule.property === "$blueprint" && rule.operator === "=" && typeof rule.value === "string")
      out.blueprint = rule.value;
    if (rule.property === "$identifier" && rule.operator === "=" && typeof rule.value === "string")
      out.identifiers = [rule.value];
    if (rule.property === "$identifier" && rule.operator === "in" && Array.isArray(rule.value)) {
      out.identifiers = rule.value.filter((value): value is string => typeof value === "string");
    }
  }
  return out;
}

function compileNode(query: SearchQuery, allowed: ReadonlySet<string> | undefined): Predicate {
  const parts = query.rules.map((rule) =>
    isNestedQuery(rule) ? compileNode(rule, allowed) : compileRule(rule, allowed),
  );
  if (query.combinator === "and") return (entity) => parts.every((part) => part(entity));
  return (entity) => parts.some((part) => part(entity));
}

function compileRule(rule: SearchRule, allowed: ReadonlySet<string> | undefined): Predicate {
  const { operator, property, value } = rule;
  if (allowed !== undefined && !allowed.has(operator)) {
    throw new Error(`operator "${operator}" is not allowed here (allowed: ${[...allowed].join(", ")})`);
  }
  if (property === undefined) throw new Error(`a rule with operator "${operator}" needs a "property"`);
  const read = (entity: StoredEntity) => fieldOf(entity, property);
  switch (operator) {
    case "=":
      return (entity) => equal(read(entity), value);
    case "!=":
      return (entity) => !equal(read(entity), value);
    case "in":
      return (entity) => listOf(value, operator).some((candidate) => equal(read(entity), candidate));
    case "notIn":
      return (entity) => !listOf(value, operator).some((candidate) => equal(read(entity), candidate));
    case "contains":
      return (entity) => contains(read(entity), value);
    case "doesNotContains":
      return (entity) => !contains(read(entity), value);
    case "containsAny":
      return (entity) => listOf(value, operator).some((candidate) => contains(read(entity), candidate));
    case "beginsWith":
      return stringTest(read, value, (field, text) => field.startsWith(text));
    case "doesNotBeginsWith":
      return stringTest(read, value, (field, text) => !field.startsWith(text));
    case "endsWith":
      return stringTest(read, value, (field, text) => field.endsWith(text));
    case "doesNotEndsWith":
      return stringTest(read, value, (field, text) => !field.endsWith(text));
    case "isEmpty":
      return (entity) => isEmpty(read(entity));
    case "isNotEmpty":
      return (entity) => !isEmpty(read(entity));
    case ">":
      return compare(read, value, (order) => order > 0);
    case ">=":
      return compare(read, value, (order) => order >= 0);
    case "<":
      return compare(read, value, (order) => order < 0);
    case "<=":
      return compare(read, value, (order) => order <= 0);
    default:
      throw new Error(`operator "${operator}" is not supported`);
  }
}

function fieldOf(entity: StoredEntity, property: string): unknown {
  switch (property) {
    case "$identifier":
      return entity.identifier;
    case "$title":
      return entity.title;
    case "$team":
      return entity.team;
    case "$icon":
      return entity.icon;
    case "$blueprint":
      return entity.blueprint;
    case "$createdAt":
      return entity.createdAt;
    case "$updatedAt":
      return entity.updatedAt;
    case "$datasource":
      return entity.datasource;
    default:
      return entity.properties[property] ?? entity.relations[property] ?? null;
  }
}

function equal(field: unknown, value: unknown): boolean {
  if (field === value) return true;
  if (typeof field === "object" && field !== null) return JSON.stringify(field) === JSON.stringify(value);
  return false;
}

function contains(field: unknown, value: unknown): boolean {
  if (typeof field === "string" && typeof value === "string") return field.includes(value);
  if (Array.isArray(field)) return field.some((item) => equal(item, value));
  return false;
}

function isEmpty(field: unknown): boolean {
  return field === null || field === undefined || field === "" || (Array.isArray(field) && field.length === 0);
}

function listOf(value: unknown, operator: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`operator "${operator}" needs an array value`);
  return value;
}

function stringTest(
  read: (entity: StoredEntity) => unknown,
  value: unknown,
  test: (field: string, text: string) => boolean,
): Predicate {
  if (typeof value !== "string") throw new Error("a string operator needs a string value");
  return (entity) => {
    const field = read(entity);
    return typeof field === "string" && test(field, value);
  };
}

function compare(
  read: (entity: StoredEntity) => unknown,
  value: unknown,
  accept: (order: number) => boolean,
): Predicate {
  if (typeof value !== "number" && typeof value !== "string")
    throw new Error("a comparison needs a number or date value");
  return (entity) => {
    const field = read(entity);
    if (typeof field === "number" && typeof value === "number") return accept(field - value);
    if (typeof field === "string" && typeof value === "string") {
      const a = Date.parse(field);
      const b = Date.parse(value);
      return Number.isNaN(a) || Number.isNaN(b) ? accept(field < value ? -1 : field > value ? 1 : 0) : accept(a - b);
    }
    return false;
  };
}
