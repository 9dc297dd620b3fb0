import type { EntityContent } from "./validate-entity";

/** An incoming write with its search queries resolved. `undefined` = not supplied; `null` = unset. */
export interface ResolvedWrite {
  title?: string | null;
  icon?: string | null;
  team?: string | string[] | null;
  properties: Record<string, unknown>;
  relations: Record<string, string | string[] | null>;
}

/**
 * Port's upsert semantics (port-api.md §2.2): `upsert=true` alone overrides the entity (only the fields in the
 * request are kept); with `merge=true` only the supplied fields change, properties and relations key by key, so a
 * property the mapping does not map survives (ocean §8.4). A supplied `null` unsets the field either way.
 * @param existing the stored entity, or null when it is created
 * @returns the content to store
 */
export function applyWrite(existing: EntityContent | null, incoming: ResolvedWrite, merge: boolean): EntityContent {
  if (existing === null || !merge) {
    return {
      title: incoming.title ?? null,
      icon: incoming.icon ?? null,
      team: teamList(incoming.team) ?? [],
      properties: withoutNulls(incoming.properties, {}),
      relations: withoutNulls(incoming.relations, {}),
    };
  }
  return {
    title: incoming.title === undefined ? existing.title : incoming.title,
    icon: incoming.icon === undefined ? existing.icon : incoming.icon,
    team: teamList(incoming.team) ?? existing.team,
    properties: withoutNulls(incoming.properties, existing.properties),
    relations: withoutNulls(incoming.relations, existing.relations),
  };
}

/** @returns the team as a list, or undefined when not supplied */
export function teamList(team: string | string[] | null | undefined): string[] | undefined {
  if (team === undefined) return undefined;
  if (team === null) return [];
  return typeof team === "string" ? [team] : [...team];
}

function withoutNulls<T>(supplied: Record<string, T | null>, base: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = { ...base };
  for (const [key, value] of Object.entries(supplied)) {
    if (value === null || value === undefined) delete out[key];
    else out[key] = value;
  }
  return out;
}
