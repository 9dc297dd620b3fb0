import { html } from "hono/html";
import type { StoredEntity } from "../../catalog/catalog";
import type { LocalCatalog } from "../../catalog/local/local-catalog";
import type { ConsoleSources } from "../console-sources";
import { ago, badge, entityLink, type Html, timestamp } from "./layout";

/** At most this many entities pointing at one are listed (a project may have thousands of repositories). */
const REFERRERS_SHOWN = 200;

/**
 * One entity: its properties, its relations as links to their targets (a target the catalog lacks is marked), the
 * entities pointing at it, and when and why it last changed, as far as this agent knows: the live event or the
 * resync during which it was written.
 */
export function entityPage(
  sources: ConsoleSources,
  catalog: LocalCatalog,
  blueprint: string,
  identifier: string,
  now: number,
): { found: boolean; html: Html } {
  const entity = blueprint === "" || identifier === "" ? null : catalog.lookup(blueprint, identifier);
  if (entity === null) {
    return {
      found: false,
      html: html`<h1>Not in the catalog</h1>
<p class="sub"><code>${blueprint}</code> / <code>${identifier}</code> is not in the local catalog (deleted, or never written).
<a href="/catalog">Back to the catalog</a>.</p>`,
    };
  }
  const definition = catalog.blueprints().find((b) => b.identifier === blueprint);
  const referrers = catalog.referrers({ blueprint, identifier });
  const properties = Object.entries(entity.properties).sort(([a], [b]) => a.localeCompare(b));
  return {
    found: true,
    html: html`<p class="muted"><a href="/catalog">Catalog</a> › <a href="/catalog/entities?blueprint=${encodeURIComponent(blueprint)}">${definition?.title ?? blueprint}</a></p>
<h1>${entity.title ?? entity.identifier}</h1>
<p class="sub"><code>${entity.identifier}</code> · blueprint <code>${entity.blueprint}</code>${entity.team.length > 0 ? ` · team ${entity.team.join(", ")}` : ""}</p>
<div class="grid2">
<section>
<h2>Properties</h2>
${
  properties.length === 0
    ? html`<p class="empty">No property set.</p>`
    : html`<dl class="props">${properties.map(
        ([name, value]) =>
          html`<dt>${definition?.schema.properties[name]?.title ?? name}</dt><dd>${propertyValue(value)}</dd>`,
      )}</dl>`
}
</section>
<section>
<h2>Last change</h2>
${lastChange(sources, entity, now)}
<h2>Relations</h2>
${relations(catalog, entity, definition?.relations ?? {})}
<h2>Pointing at it</h2>
${
  referrers.length === 0
    ? html`<p class="empty">No entity relates to this one.</p>`
    : html`<table><thead><tr><th>Entity</th><th>Blueprint</th><th>Relation</th></tr></thead><tbody>${referrers
        .slice(0, REFERRERS_SHOWN)
        .map(
          (ref) =>
            html`<tr><td>${entityLink(ref.blueprint, ref.identifier)}</td><td><code>${ref.blueprint}</code></td><td><code>${ref.relation}</code></td></tr>`,
        )}</tbody></table>${referrers.length > REFERRERS_SHOWN ? html`<p class="muted">and ${referrers.length - REFERRERS_SHOWN} more</p>` : ""}`
}
</section>
</div>`,
  };
}

function propertyValue(value: unknown): Html {
  if (typeof value === "string" && /^https?:\/\//.test(value))
    return html`<a href="${value}" rel="noreferrer noopener">${value}</a>`;
  if (typeof value === "string") return html`${value.length > 2_000 ? `${value.slice(0, 2_000)}…` : value}`;
  if (typeof value === "boolean") return badge(value ? "ok" : "muted", String(value));
  return html`<code>${JSON.stringify(value)}</code>`;
}

function relations(
  catalog: LocalCatalog,
  entity: StoredEntity,
  definitions: Record<string, { target: string; many: boolean }>,
): Html {
  const names = Object.keys(definitions).sort();
  if (names.length === 0) return html`<p class="empty">The blueprint defines no relation.</p>`;
  return html`<table><thead><tr><th>Relation</th><th>Target</th></tr></thead><tbody>${names.map((name) => {
    const target = definitions[name]?.target ?? "";
    const value = entity.relations[name];
    const identifiers = value === undefined ? [] : typeof value === "string" ? [value] : value;
    return html`<tr><td><code>${name}</code> <span class="muted">→ ${target}</span></td><td>${
      identifiers.length === 0
        ? html`<span class="muted">none</span>`
        : identifiers.map((id) =>
            catalog.lookup(target, id) === null
              ? html`<span>${id}</span> ${badge("warn", "missing")} `
              : html`${entityLink(target, id)} `,
          )
    }</td></tr>`;
  })}</tbody></table>`;
}

/** When it was written and, from the live feed and the resync history, what wrote it. */
function lastChange(sources: ConsoleSources, entity: StoredEntity, now: number): Html {
  const updated = Date.parse(entity.updatedAt);
  const event = sources.monitor.feed
    .recent()
    .find((entry) => entry.type === "event" && entry.startedAt <= updated && updated <= entry.finishedAt);
  const run = Number.isNaN(updated)
    ? undefined
    : sources.state
        .recentRuns(50)
        .find((candidate) => candidate.startedAt <= updated && updated <= (candidate.finishedAt ?? now));
  const why =
    event !== undefined
      ? html`the live event <code>${event.eventKey ?? "?"}</code> for <code>${event.entityKey ?? "?"}</code> (message ${event.messageId}, ${event.delayMs} ms after the edge received it)`
      : run !== undefined
        ? html`<a href="/sync#run-${run.id}">${run.kind === "dry-run" ? "dry run" : "resync"} #${run.id}</a> (${run.status})`
        : html`<span class="muted">no record in this agent: written before its recent history, or by another writer</span>`;
  return html`<dl class="props">
<dt>Updated</dt><dd>${timestamp(entity.updatedAt)} <span class="muted">(${ago(now, Number.isNaN(updated) ? null : updated)})</span></dd>
<dt>Why</dt><dd>${why}</dd>
<dt>Created</dt><dd>${timestamp(entity.createdAt)}</dd>
<dt>Written by</dt><dd><code>${entity.datasource ?? "unknown"}</code></dd>
</dl>`;
}
