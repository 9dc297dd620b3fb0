import type { CatalogEntity } from "../catalog/catalog";
import type { Json } from "./engine";

/**
 * Entities for a terminal: one block each, values as compact JSON (so a null reads `null` and a string keeps
 * its quotes, exactly what Port would receive). Scripts get the JSON array instead.
 */
export function formatEntitiesForTerminal(entities: readonly CatalogEntity[]): string {
  return entities.map(formatEntity).join("\n");
}

function formatEntity(entity: CatalogEntity): string {
  const lines = [
    `${entity.blueprint}  ${typeof entity.identifier === "string" ? entity.identifier : `(search) ${JSON.stringify(entity.identifier)}`}`,
  ];
  if (entity.title !== undefined) lines.push(`  title: ${show(entity.title)}`);
  if (entity.team !== undefined) lines.push(`  team: ${show(entity.team)}`);
  if (entity.icon !== undefined) lines.push(`  icon: ${show(entity.icon)}`);
  for (const group of ["properties", "relations"] as const) {
    const entries = Object.entries(entity[group]);
    if (entries.length === 0) continue;
    lines.push(`  ${group}:`);
    const width = Math.max(...entries.map(([name]) => name.length));
    for (const [name, value] of entries) lines.push(`    ${`${name}:`.padEnd(width + 1)} ${show(value)}`);
  }
  return `${lines.join("\n")}\n`;
}

function show(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
