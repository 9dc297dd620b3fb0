import { html } from "hono/html";
import { stringify } from "yaml";
import { toPortJq } from "../../../shared/mapping-config/port-jq";
import type { CatalogEntity } from "../../catalog/catalog";
import { messageOf } from "../../log/message-of";
import { explainJq } from "../../mapping/compiled";
import type { Json } from "../../mapping/engine";
import type { ItemResult } from "../../mapping/mapping-result";
import type { ResourceMapper } from "../../mapping/resource-mapper";
import type { ConsoleSources } from "../console-sources";
import { badge, type Html } from "./layout";

const MAX_ITEMS = 20;
/** A live read that takes longer is abandoned: the page must answer, and Bitbucket may be slow or down. */
const LIVE_TIMEOUT_MS = 20_000;

/**
 * The Mapping page: the mapping in force and where it came from, each field's jq engine and why (`bbrelay map
 * --explain`), and, for a resource and a live item read from Bitbucket as a resync reads it, the raw item beside
 * the entities it maps to, with the warnings per field (`bbrelay map --live`).
 */
export async function mappingPage(
  sources: ConsoleSources,
  query: Record<string, string>,
  signal: AbortSignal,
): Promise<Html> {
  const mappers = sources.mapping.mappers;
  const chosen = /^\d+$/.test(query.resource ?? "") ? mappers[Number(query.resource)] : undefined;
  const limit = Math.min(MAX_ITEMS, Math.max(1, Number(query.items ?? 5) || 5));
  const itemIndex = Math.max(0, Number(query.item ?? 0) || 0);
  return html`<h1>Mapping</h1>
<p class="sub">In force: ${sources.mapping.origin} · ${mappers.length} resources</p>
<form method="get" action="/mapping" class="toolbar">
<select name="resource" aria-label="Resource">${mappers.map(
    (mapper) =>
      html`<option value="${mapper.index}" ${mapper === chosen ? "selected" : ""}>resources[${mapper.index}] · ${mapper.kind} → ${blueprintOf(mapper)}</option>`,
  )}</select>
<label class="muted">first <input type="text" name="items" value="${limit}" size="3" aria-label="Items"> live items</label>
<button class="primary" type="submit">Map live items</button>
</form>
${chosen === undefined ? "" : await liveSection(sources, chosen, limit, itemIndex, signal)}
<h2>Fields and their jq engine</h2>
${mappers.map(fieldsTable)}
<h2>The mapping</h2>
<pre>${stringify(sources.mapping.config)}</pre>`;
}

function blueprintOf(mapper: ResourceMapper): string {
  const blueprint = mapper.resource.port.entity.mappings.blueprint;
  return typeof blueprint === "string" ? blueprint.replace(/^"(.*)"$/, "$1") : "?";
}

function fieldsTable(mapper: ResourceMapper): Html {
  return html`<h2 class="muted">resources[${mapper.index}] · ${mapper.kind}</h2>
<table><thead><tr><th>Field</th><th>Engine</th><th>Why</th><th>jq</th></tr></thead><tbody>${mapper.fields.map(
    (field) => {
      const explanation = explainJq(toPortJq(field.source));
      return html`<tr><td><code>${field.path}</code></td><td>${badge(field.engine === "compiled" ? "ok" : "info", field.engine)}</td>
<td class="reason">${explanation.reason}</td><td class="mono">${field.source}</td></tr>`;
    },
  )}</tbody></table>`;
}

async function liveSection(
  sources: ConsoleSources,
  mapper: ResourceMapper,
  limit: number,
  itemIndex: number,
  signal: AbortSignal,
): Promise<Html> {
  const items: Json[] = [];
  try {
    // Real time on purpose: it bounds how long a person looks at a loading page, not anything a test replays.
    const read = AbortSignal.any([signal, AbortSignal.timeout(LIVE_TIMEOUT_MS)]);
    for await (const item of sources.liveItems(mapper, limit, read)) items.push(item);
  } catch (error) {
    return html`<p class="notice notice-bad">Could not read live items from Bitbucket: ${messageOf(error)}</p>`;
  }
  if (items.length === 0) return html`<p class="empty">Bitbucket listed no ${mapper.kind} for this resource.</p>`;
  const index = Math.min(itemIndex, items.length - 1);
  const item = items[index] ?? null;
  const result = await mapper.mapItem(item);
  return html`<h2>Live item ${index + 1} of ${items.length} · ${mapper.kind}</h2>
<div class="toolbar">${items.map((candidate, position) =>
    position === index
      ? html`<strong>${labelOf(candidate, position)}</strong>`
      : html`<a href="/mapping?resource=${mapper.index}&items=${limit}&item=${position}">${labelOf(candidate, position)}</a>`,
  )}</div>
${outcomeNotes(result)}
<div class="grid2">
<section><h2>Raw item</h2><pre>${JSON.stringify(item, null, 2)}</pre></section>
<section><h2>Mapped entit${result.entities.length === 1 ? "y" : "ies"}</h2>${
    result.entities.length === 0
      ? html`<p class="empty">No entity: the selector rejected the item, or its identifier was empty.</p>`
      : result.entities.map((entity) => entityFields(mapper, entity, result))
  }</section>
</div>`;
}

function outcomeNotes(result: ItemResult): Html {
  return html`${result.errors.map((error) => html`<p class="notice notice-bad"><code>${error.path}</code>: ${error.message}</p>`)}
${result.warnings
  .filter((warning) => warning.code !== "field-error")
  .map((warning) => html`<p class="notice notice-warn"><code>${warning.path}</code>: ${warning.message}</p>`)}`;
}

function entityFields(mapper: ResourceMapper, entity: CatalogEntity, result: ItemResult): Html {
  return html`<table><thead><tr><th>Field</th><th>Value</th><th>Engine</th><th>Warning</th></tr></thead><tbody>
<tr><td><code>identifier</code></td><td class="mono">${JSON.stringify(entity.identifier)}</td><td></td><td></td></tr>
${mapper.fields
  .filter((field) => field.path !== "identifier")
  .map((field) => {
    const warning = result.warnings.find((candidate) => candidate.path.endsWith(`.mappings.${field.path}`));
    const value = valueAt(entity, field.path);
    return html`<tr><td><code>${field.path}</code></td><td class="mono">${value === undefined ? html`<span class="muted">unset</span>` : JSON.stringify(value)}</td>
<td>${badge(field.engine === "compiled" ? "ok" : "info", field.engine)}</td>
<td class="reason">${warning === undefined ? (value === null ? badge("muted", "null") : "") : badge("warn", warning.message)}</td></tr>`;
  })}</tbody></table>`;
}

function valueAt(entity: CatalogEntity, path: string): unknown {
  let value: unknown = entity;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function labelOf(item: Json, position: number): string {
  if (typeof item === "object" && item !== null && !Array.isArray(item)) {
    for (const key of ["slug", "key", "name", "title", "id"]) {
      const value = item[key];
      if (typeof value === "string" || typeof value === "number") return String(value).slice(0, 40);
    }
  }
  return `#${position + 1}`;
}
