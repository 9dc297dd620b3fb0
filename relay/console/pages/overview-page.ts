import { html } from "hono/html";
import { LocalCatalog } from "../../catalog/local/local-catalog";
import type { ConsoleSources } from "../console-sources";
import type { Readiness } from "../readiness";
import { ago, badge, count, duration, type Html } from "./layout";
import { statusTone } from "./sync-page";

/** The landing page: is the agent healthy, what did it do last, is anything waiting for an operator. */
export function overviewPage(sources: ConsoleSources, readiness: Readiness, now: number): Html {
  const lastRun = sources.state.recentRuns(1)[0];
  const edge = sources.monitor.edge;
  const stats = edge.kind === "ok" ? edge.stats : edge.kind === "failed" ? edge.last : null;
  const feed = sources.monitor.feed;
  const recent = feed.recent(10);
  const catalog = sources.catalog;
  const entities = catalog instanceof LocalCatalog ? count(catalog.count()) : "in Port";
  return html`<h1>Overview</h1>
<p class="sub">Up for ${duration(now - sources.monitor.startedAt)} · mapping: ${sources.mapping.origin}</p>
<table><thead><tr><th>Readiness</th><th>State</th><th>Detail</th></tr></thead><tbody>
${readiness.checks.map(
  (check) =>
    html`<tr><td>${check.name}</td><td>${badge(check.ok ? "ok" : "bad", check.ok ? "ok" : "not ready")}</td><td>${check.detail}</td></tr>`,
)}</tbody></table>
<div class="cards">
<div class="card"><div class="label">Catalog</div><div class="value">${entities}</div><div class="hint"><a href="/catalog">entities</a></div></div>
<div class="card"><div class="label">Last resync</div><div class="value">${lastRun === undefined ? "none" : badge(statusTone(lastRun.status), lastRun.status)}</div>
<div class="hint">${lastRun === undefined ? "" : html`<a href="/sync#run-${lastRun.id}">#${lastRun.id}</a> ${ago(now, lastRun.startedAt)}`}</div></div>
<div class="card"><div class="label">Handled</div><div class="value">${count(feed.total)}</div><div class="hint">messages since start</div></div>
<div class="card ${stats !== null && stats.backlog > 1_000 ? "warn" : ""}"><div class="label">Edge backlog</div><div class="value">${stats === null ? "–" : count(stats.backlog)}</div><div class="hint">${edge.kind === "none" ? "not read yet" : `read ${ago(now, edge.at)}`}</div></div>
<div class="card ${stats !== null && stats.deadLetters > 0 ? "bad" : ""}"><div class="label">Dead letters</div><div class="value">${stats === null ? "–" : count(stats.deadLetters)}</div><div class="hint"><a href="/queue">queue</a></div></div>
</div>
<h2>Latest messages</h2>
${
  recent.length === 0
    ? html`<p class="empty">Nothing handled yet since the agent started.</p>`
    : html`<table><thead><tr><th>When</th><th>Event</th><th>Concerns</th><th>Outcome</th><th class="num">Delay</th></tr></thead><tbody>${recent.map(
        (entry) =>
          html`<tr><td class="when">${ago(now, entry.finishedAt)}</td><td><code>${entry.eventKey ?? `resync (${entry.resyncReason ?? "?"})`}</code></td>
<td class="mono">${entry.entityKey ?? ""}</td><td>${badge(statusTone(entry.outcome), entry.outcome)}</td><td class="num">${duration(entry.delayMs)}</td></tr>`,
      )}</tbody></table><p><a href="/sync">The whole feed and the resync history »</a></p>`
}`;
}
