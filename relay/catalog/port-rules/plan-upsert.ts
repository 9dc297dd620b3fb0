import { type CatalogEntityError, type EntityKey, keyText, type StoredEntity } from "../catalog";
import { isSearchQuery, type SearchQuery } from "../search-query";
import { applyWrite, type ResolvedWrite } from "./apply-write";
import { parseEntityBody } from "./entity-body";
import type { EntityStoreView } from "./entity-store-view";
import { invalidRequest, notFound } from "./port-error";
import {
  compileSearchQuery,
  IDENTIFIER_QUERY_OPERATORS,
  queryNarrowing,
  RELATION_QUERY_OPERATORS,
} from "./search-match";
import { type EntityContent, requiredFieldProblems, suppliedFieldProblems } from "./validate-entity";

/** Port's team blueprint: a team search query resolves against it. */
const TEAM_BLUEPRINT = "_team";
/** A search relation resolves to at most 100 entities (port-api.md §6.7). */
const SEARCH_RELATION_LIMIT = 100;

export interface UpsertFlags {
  merge: boolean;
  createMissingRelatedEntities: boolean;
}

export type UpsertPlan =
  | {
      kind: "write";
      key: EntityKey;
      created: boolean;
      content: EntityContent;
      placeholders: EntityKey[];
      previous: StoredEntity | null;
    }
  | { kind: "unresolved"; query: SearchQuery; message: string }
  | { kind: "failed"; error: CatalogEntityError };

/**
 * Port's upsert of one entity (`upsert=true`), decided against a store without changing it: the route schema, the
 * blueprint, search identifiers and relations resolved, the blueprint's checks, relation targets (404, or empty
 * placeholders with `create_missing_related_entities`), then merge or override and the required fields.
 * @param body the entity as sent (unknown: it is checked here)
 * @param blueprintId the blueprint of the URL
 */
export function planUpsert(body: unknown, blueprintId: string, flags: UpsertFlags, store: EntityStoreView): UpsertPlan {
  const parsed = parseEntityBody(body);
  if (!parsed.ok) return { kind: "failed", error: invalidRequest(parsed.problems) };
  const entity = parsed.entity;
  const blueprint = store.blueprint(blueprintId);
  if (blueprint === undefined) return { kind: "failed", error: notFound(`Blueprint "${blueprintId}" was not found`) };

  let identifier: string;
  if (isSearchQuery(entity.identifier)) {
    const matches = resolveQuery(store, blueprintId, entity.identifier, IDENTIFIER_QUERY_OPERATORS, 2);
    if (typeof matches === "string") return { kind: "failed", error: invalidRequest([`identifier: ${matches}`]) };
    if (matches.length === 0) {
      return {
        kind: "unresolved",
        query: entity.identifier,
        message: `the identifier search query matched no "${blueprintId}" entity`,
      };
    }
    if (matches.length > 1) {
      return {
        kind: "failed",
        error: invalidRequest(["identifier: the search query must match exactly one entity (it matched several)"]),
      };
    }
    identifier = matches[0] ?? "";
  } else {
    identifier = entity.identifier;
  }

  const problems = suppliedFieldProblems({ properties: entity.properties, relations: entity.relations }, blueprint);
  if (problems.length > 0) return { kind: "failed", error: invalidRequest(problems) };

  const relations: Record<string, string | string[] | null> = {};
  const targets: { relation: string; blueprint: string; identifier: string }[] = [];
  for (const [name, value] of Object.entries(entity.relations)) {
    const relation = blueprint.relations[name];
    if (relation === undefined) continue;
    if (isSearchQuery(value)) {
      const matches = resolveQuery(store, relation.target, value, RELATION_QUERY_OPERATORS, SEARCH_RELATION_LIMIT + 1);
      if (typeof matches === "string")
        return { kind: "failed", error: invalidRequest([`relations.${name}: ${matches}`]) };
      if (matches.length > SEARCH_RELATION_LIMIT) {
        return {
          kind: "failed",
          error: invalidRequest([
            `relations.${name}: the search query matched more than ${SEARCH_RELATION_LIMIT} entities`,
          ]),
        };
      }
      if (relation.many) relations[name] = matches;
      else if (matches.length === 1) relations[name] = matches[0] ?? null;
      else {
        return {
          kind: "failed",
          error: invalidRequest([
            `relations.${name}: the search query must match exactly one "${relation.target}" entity (it matched ${matches.length})`,
          ]),
        };
      }
      continue;
    }
    relations[name] = value;
    for (const target of value === null ? [] : typeof value === "string" ? [value] : value) {
      targets.push({ relation: name, blueprint: relation.target, identifier: target });
    }
  }

  let team: string | string[] | null | undefined;
  if (isSearchQuery(entity.team)) {
    const matches = resolveQuery(
      store,
      TEAM_BLUEPRINT,
      entity.team,
      RELATION_QUERY_OPERATORS,
      SEARCH_RELATION_LIMIT + 1,
    );
    if (typeof matches === "string") return { kind: "failed", error: invalidRequest([`team: ${matches}`]) };
    team = matches;
  } else {
    team = entity.team;
  }

  const placeholders: EntityKey[] = [];
  const seen = new Set<string>();
  for (const target of targets) {
    const key = keyText(target);
    if (seen.has(key)) continue;
    seen.add(key);
    const self = target.blueprint === blueprintId && target.identifier === identifier;
    if (self || store.exists(target.blueprint, target.identifier)) continue;
    if (store.blueprint(target.blueprint) === undefined) {
      return {
        kind: "failed",
        error: notFound(`relations.${target.relation}: target blueprint "${target.blueprint}" was not found`),
      };
    }
    if (!flags.createMissingRelatedEntities) {
      return {
        kind: "failed",
        error: notFound(
          `relations.${target.relation}: related entity "${target.identifier}" of blueprint "${target.blueprint}" was not found ` +
            "(create it first, or upsert with create_missing_related_entities / createMissingRelatedEntities: true)",
        ),
      };
    }
    placeholders.push({ blueprint: target.blueprint, identifier: target.identifier });
  }

  const previous = store.get(blueprintId, identifier);
  const write: ResolvedWrite = { properties: entity.properties, relations };
  if (entity.title !== undefined) write.title = entity.title;
  if (entity.icon !== undefined) write.icon = entity.icon;
  if (team !== undefined) write.team = team;
  const content = applyWrite(previous, write, flags.merge);
  const missing = requiredFieldProblems(content, blueprint);
  if (missing.length > 0) return { kind: "failed", error: invalidRequest(missing) };
  return {
    kind: "write",
    key: { blueprint: blueprintId, identifier },
    created: previous === null,
    content,
    placeholders,
    previous,
  };
}

/** @returns the matching identifiers (at most `limit`), or a problem with the query */
function resolveQuery(
  store: EntityStoreView,
  blueprint: string,
  query: SearchQuery,
  operators: ReadonlySet<string>,
  limit: number,
): string[] | string {
  const compiled = compileSearchQuery(query, operators);
  if (!compiled.ok) return compiled.problem;
  const narrowing = queryNarrowing(query);
  if (narrowing.blueprint !== undefined && narrowing.blueprint !== blueprint) return [];
  return store.find(blueprint, compiled.test, limit, narrowing.identifiers).map((entity) => entity.identifier);
}
