import type { CatalogChange, FieldChange } from "./catalog-watcher";

/**
 * How `npm start` shows the catalog: one short line per change (`+` created, `~` updated with what changed, `-`
 * deleted), the entities per blueprint, and a resync's changes counted.
 */

const FIELDS_SHOWN = 3;
const VALUE_WIDTH = 32;

/** @returns e.g. `~ bitbucketPullRequest P001/repo-00002/31  state "OPEN" → "MERGED", closed_on null → "2025-…"` */
export function formatChange(change: CatalogChange): string {
  const head = `${SIGNS[change.change]} ${change.blueprint} ${change.identifier}`;
  if (change.change === "updated") {
    if (change.fields === null) return `${head}  updated`;
    const shown = change.fields.slice(0, FIELDS_SHOWN).map(formatField).join(", ");
    const more = change.fields.length > FIELDS_SHOWN ? ` (+${change.fields.length - FIELDS_SHOWN} more)` : "";
    return `${head}  ${shown}${more}`;
  }
  return change.title === null || change.title === "" ? head : `${head}  ${formatValue(change.title)}`;
}

/** @returns one line per blueprint, the counts aligned, then the total */
export function formatCounts(counts: ReadonlyMap<string, number>): string[] {
  const width = Math.max(5, ...[...counts.keys()].map((blueprint) => blueprint.length));
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const digits = String(total).length;
  return [
    ...[...counts].map(([blueprint, n]) => `  ${blueprint.padEnd(width)}  ${String(n).padStart(digits)}`),
    `  ${"total".padEnd(width)}  ${String(total).padStart(digits)}`,
  ];
}

export interface ChangeTally {
  created: number;
  updated: number;
  deleted: number;
}

export function tallyChanges(changes: readonly CatalogChange[]): ChangeTally {
  const tally: ChangeTally = { created: 0, updated: 0, deleted: 0 };
  for (const change of changes) tally[change.change]++;
  return tally;
}

/** @returns e.g. `52 created, 0 updated, 1 deleted` */
export function formatTally(tally: ChangeTally): string {
  return `${tally.created} created, ${tally.updated} updated, ${tally.deleted} deleted`;
}

const SIGNS: Record<CatalogChange["change"], string> = { created: "+", updated: "~", deleted: "-" };

function formatField(field: FieldChange): string {
  const name = field.field.startsWith("properties.") ? field.field.slice("properties.".length) : field.field;
  return `${name} ${formatValue(field.before)} → ${formatValue(field.after)}`;
}

function formatValue(value: unknown): string {
  return short(value === undefined ? "null" : JSON.stringify(value));
}

/** One line, at most VALUE_WIDTH characters (a README or a long description would fill the screen). */
function short(text: string): string {
  const line = text.replace(/\s+/g, " ");
  return line.length <= VALUE_WIDTH ? line : `${line.slice(0, VALUE_WIDTH - 1)}…`;
}
