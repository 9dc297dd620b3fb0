import type { CatalogEntity, StoredEntity } from "./catalog";

type EntityFieldName = "identifier" | "title" | "icon" | "team" | "properties" | "relations";

/**
 * An entity's own fields, in Port's order: the body Port's entity routes take and return (the blueprint goes in the
 * URL), and the core of what `bbrelay catalog export` prints. Fields left `undefined` stay so, and `JSON.stringify`
 * drops them (Port's "exclude unset").
 */
export function entityFields<E extends CatalogEntity | StoredEntity>(entity: E): { [K in EntityFieldName]: E[K] } {
  return {
    identifier: entity.identifier,
    title: entity.title,
    icon: entity.icon,
    team: entity.team,
    properties: entity.properties,
    relations: entity.relations,
  };
}
