import { Hono } from "hono";
import { html } from "hono/html";
import type { StoredEntity } from "../../catalog/catalog";
import { BROWSE_SCAN_WINDOW } from "../../catalog/local/local-browse";
import { LocalCatalog } from "../../catalog/local/local-catalog";
import type { Render } from "../console-app";
import type { ConsoleSources } from "../console-sources";
import { entityPage } from "./entity-page";
import { count, entityLink, type Html, timestamp } from "./layout";

export const ENTITY_PAGE_SIZE = 50;

/**
 * The Catalog pages, over the local catalog: blueprints with their counts, a paged list (keyset: each page starts
 * after the last key of the one before, so page 2,000 costs what page 1 does), and an entity's page. With Port as
 * the catalog, the pages say so: Port's own UI is the catalog browser then.
 */
export function catalogRoutes(sources: ConsoleSources, render: Render): Hono {
  const routes = new Hono();
  routes.get("/catalog", (c) => {
    const catalog = localCatalogOf(sources);
    if (catalog === null) return c.html(render("Catalog", "catalog", portCatalogBody()));
    return c.html(render("Catalog", "catalog", blueprintsBody(catalog)));
  });
  routes.get("/catalog/entities", (c) => {
    const catalog = localCatalogOf(sources);
    if (catalog === null) return c.html(render("Catalog", "catalog", portCatalogBody()));
    const query = listQueryOf(c.req.query());
    return c.html(render("Entities", "catalog", entityListBody(catalog, query)));
  });
  routes.get("/catalog/entity", (c) => {
    const catalog = localCatalogOf(sources);
    if (catalog === null) return c.html(render("Catalog", "catalog", portCatalogBody()));
    const blueprint = c.req.query("blueprint") ?? "";
    const identifier = c.req.query("identifier") ?? "";
    const body = entityPage(sources, catalog, blueprint, identifier, (sources.now ?? Date.now)());
    return c.html(render(identifier === "" ? "Entity" : identifier, "catalog", body.html), body.found ? 200 : 404);
  });
  return routes;
}

function localCatalogOf(sources: ConsoleSources): LocalCatalog | null {
  return sources.catalog instanceof LocalCatalog ? sources.catalog : null;
}

export interface ListQuery {
  blueprint?: string;
  search?: string;
  property?: { name: string; value: string };
  after?: { blueprint: string; identifier: string };
}

function listQueryOf(query: Record<string, string>): ListQuery {
  const text = (name: string) => {
    const value = query[name]?.trim();
    return value === undefined || value === "" ? undefined : value.slice(0, 200);
  };
  const blueprint = text("blueprint");
  const search = text("q");
  const prop = text("prop");
  const value = query.value?.slice(0, 200);
  const afterBlueprint = query.after_bp;
  const afterIdentifier = query.after_id;
  return {
    ...(blueprint === undefined ? {} : { blueprint }),
    ...(search === undefined ? {} : { search }),
    ...(prop === undefined || value === undefined ? {} : { property: { name: prop, value } }),
    ...(afterBlueprint === undefined || afterIdentifier === undefined
      ? {}
      : { after: { blueprint: afterBlueprint, identifier: afterIdentifier } }),
  };
}

function blueprintsBody(catalog: LocalCatalog): Html {
  const counts = catalog.blueprintCounts();
  const blueprints = catalog.blueprints().sort((a, b) => a.identifier.localeCompare(b.identifier));
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  return html`<h1>Catalog</h1>
<p class="sub">The local catalog <code>${catalog.location}</code>: ${count(total)} entities in ${blueprints.length} blueprints.</p>
${searchForm(
  {},
  blueprints.map((b) => b.identifier),
)}
<table>
<thead><tr><th>Blueprint</th><th>Identifier</th><th class="num">Entities</th><th>Relations</th></tr></thead>
<tbody>${blueprints.map(
    (blueprint) => html`<tr>
<td><a href="/catalog/entities?blueprint=${encodeURIComponent(blueprint.identifier)}">${blueprint.title}</a></td>
<td><code>${blueprint.identifier}</code></td>
<td class="num">${count(counts.get(blueprint.identifier) ?? 0)}</td>
<td>${Object.entries(blueprint.relations).map(
      ([name, relation]) =>
        html`<code>${name}</code> → <code>${relation.target}</code>${relation.many ? " (many)" : ""} `,
    )}</td>
</tr>`,
  )}</tbody>
</table>`;
}

function searchForm(query: ListQuery, blueprints: string[]): Html {
  return html`<form method="get" action="/catalog/entities" class="toolbar" role="search">
<input type="search" name="q" placeholder="Search identifiers and titles" value="${query.search ?? ""}" aria-label="Search">
<select name="blueprint" aria-label="Blueprint"><option value="">All blueprints</option>${blueprints.map(
    (identifier) =>
      html`<option value="${identifier}" ${identifier === query.blueprint ? "selected" : ""}>${identifier}</option>`,
  )}</select>
<input type="text" name="prop" placeholder="property" value="${query.property?.name ?? ""}" aria-label="Property" size="12">
<input type="text" name="value" placeholder="equals" value="${query.property?.value ?? ""}" aria-label="Property value" size="12">
<button class="primary" type="submit">Search</button>
</form>`;
}

function entityListBody(catalog: LocalCatalog, query: ListQuery): Html {
  const result = catalog.browse({ ...query, limit: ENTITY_PAGE_SIZE + 1 });
  const rows = result.entities;
  const shown = rows.slice(0, ENTITY_PAGE_SIZE);
  const last = shown.at(-1);
  // More matches on this page than fit, or a search that stopped at its window: either way there is a next page.
  const resume = rows.length > ENTITY_PAGE_SIZE && last !== undefined ? last : result.resumeAfter;
  const params = new URLSearchParams();
  if (query.blueprint !== undefined) params.set("blueprint", query.blueprint);
  if (query.search !== undefined) params.set("q", query.search);
  if (query.property !== undefined) {
    params.set("prop", query.property.name);
    params.set("value", query.property.value);
  }
  const first = `/catalog/entities?${params.toString()}`;
  if (resume !== null) {
    params.set("after_bp", resume.blueprint);
    params.set("after_id", resume.identifier);
  }
  const describe = [
    query.blueprint === undefined ? "all blueprints" : `blueprint ${query.blueprint}`,
    query.search === undefined ? null : `matching “${query.search}”`,
    query.property === undefined ? null : `where ${query.property.name} = ${query.property.value}`,
  ]
    .filter((part) => part !== null)
    .join(", ");
  const blueprintTotal = query.blueprint === undefined ? null : catalog.count(query.blueprint);
  return html`<h1>Entities</h1>
<p class="sub">${describe}${blueprintTotal === null ? "" : ` · ${count(blueprintTotal)} in the blueprint`}</p>
${searchForm(
  query,
  catalog.blueprints().map((b) => b.identifier),
)}
${
  shown.length === 0
    ? html`<p class="empty">${result.resumeAfter === null ? "No entity matches." : `No match among the next ${count(BROWSE_SCAN_WINDOW)} entities: search further for more.`}</p>`
    : html`<table>
<thead><tr><th>Identifier</th><th>Title</th><th>Blueprint</th><th>Updated</th></tr></thead>
<tbody>${shown.map(entityRow)}</tbody></table>`
}
<div class="pager">
${query.after === undefined ? "" : html`<a href="${first}">« First page</a>`}
${
  resume === null
    ? html`<span class="muted">End of the list</span>`
    : rows.length > ENTITY_PAGE_SIZE
      ? html`<a href="/catalog/entities?${params.toString()}" rel="next">Next page »</a>`
      : html`<a href="/catalog/entities?${params.toString()}" rel="next">Search further »</a> <span class="muted">(each page reads at most ${count(BROWSE_SCAN_WINDOW)} entities)</span>`
}
</div>`;
}

function entityRow(entity: StoredEntity): Html {
  return html`<tr><td>${entityLink(entity.blueprint, entity.identifier)}</td><td>${entity.title ?? ""}</td>
<td><code>${entity.blueprint}</code></td><td class="mono">${timestamp(entity.updatedAt)}</td></tr>`;
}

function portCatalogBody(): Html {
  return html`<h1>Catalog</h1>
<p class="empty">This agent writes to Port: browse the catalog in Port's own UI. The Sync, Queue and Mapping pages still show what the agent does.</p>`;
}
