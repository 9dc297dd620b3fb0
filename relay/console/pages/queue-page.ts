import { html } from "hono/html";
import type { DeadLetterList, QueueStats } from "../../../shared/protocol/schema";
import { messageOf } from "../../log/message-of";
import type { EdgeFigures } from "../agent-monitor";
import type { ConsoleSources } from "../console-sources";
import { ago, badge, count, duration, type Html, timestamp } from "./layout";

/** The Queue page: the edge's figures (read afresh) and its dead letters, with redrive and drop. */
export async function queuePage(sources: ConsoleSources, after: string | undefined, now: number): Promise<Html> {
  const figures = await sources.monitor.refreshEdge(() => sources.edge.stats());
  let letters: DeadLetterList | { error: string };
  try {
    letters = await sources.edge.deadLetters(after !== undefined && /^\d{1,15}$/.test(after) ? after : undefined);
  } catch (error) {
    letters = { error: messageOf(error) };
  }
  return html`<h1>Queue</h1>
<p class="sub">The edge's queue for this agent's tenant, read just now.</p>
${edgeCards(figures, now)}
<h2>Dead letters</h2>
${deadLetters(letters, after !== undefined, now)}`;
}

function edgeCards(figures: EdgeFigures, now: number): Html {
  if (figures.kind === "none") return html`<p class="empty">The edge's figures have not been read yet.</p>`;
  const stats: QueueStats | null = figures.kind === "ok" ? figures.stats : figures.last;
  const failure =
    figures.kind === "failed"
      ? html`<p class="notice notice-bad">The edge did not answer: ${figures.error}${stats === null ? "" : " (the figures below are the last ones read)"}</p>`
      : "";
  if (stats === null) return html`${failure}`;
  const oldest = stats.oldestMessageAgeMs;
  return html`${failure}<div class="cards">
${card("Backlog", count(stats.backlog), `${count(stats.delayed)} delayed by a retry`, stats.backlog > 1_000 ? "warn" : "")}
${card("In flight", count(stats.inFlight), "leased, not yet acked", "")}
${card("Oldest message", oldest === null ? "–" : duration(oldest), "waiting to be delivered", oldest !== null && oldest > 300_000 ? "bad" : "")}
${card("Dead letters", count(stats.deadLetters), "need an operator", stats.deadLetters > 0 ? "bad" : "")}
${card("Resync queued", stats.resyncPending ? "yes" : "no", "waiting at the edge", "")}
${card("Last webhook", ago(now, stats.lastWebhookAt), stats.lastPingAt === null ? "no ping yet" : `ping ${ago(now, stats.lastPingAt)}`, "")}
${card("Agent contact", ago(now, stats.lastAgentContactAt), "any agent of the tenant", "")}
</div>
<table><thead><tr>${Object.keys(stats.counters).map((name) => html`<th class="num">${words(name)}</th>`)}</tr></thead>
<tbody><tr>${Object.values(stats.counters).map((value) => html`<td class="num">${count(value)}</td>`)}</tr></tbody></table>`;
}

/** `badSignatures` → `bad signatures`: the edge's counter names as column titles. */
function words(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, (_, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

function card(label: string, value: string, hint: string, tone: "" | "warn" | "bad"): Html {
  return html`<div class="card ${tone}"><div class="label">${label}</div><div class="value">${value}</div><div class="hint">${hint}</div></div>`;
}

function deadLetters(letters: DeadLetterList | { error: string }, paged: boolean, now: number): Html {
  if ("error" in letters)
    return html`<p class="notice notice-bad">Could not list the dead letters: ${letters.error}</p>`;
  if (letters.deadLetters.length === 0)
    return html`<p class="empty">${paged ? "No more dead letters." : "No dead letters: every message was handled or is still being retried."}</p>`;
  return html`<form method="post" action="/actions/redrive" class="toolbar">
<input type="hidden" name="all" value="true">
<button class="primary" type="submit">Redrive all</button>
<span class="muted">Puts every dead letter back in the queue with its attempts reset.</span>
</form>
<table><thead><tr><th>Id</th><th>Event</th><th>Concerns</th><th>Received</th><th>Dead since</th><th class="num">Attempts</th><th>Reason</th><th></th></tr></thead>
<tbody>${letters.deadLetters.map(
    (letter) => html`<tr data-dead-letter="${letter.id}"><td class="mono">${letter.id}</td>
<td>${letter.type === "resync" ? badge("info", "resync") : html`<code>${letter.eventKey ?? "?"}</code>`}</td>
<td class="mono">${letter.entityKey ?? ""}</td><td class="when" title="${timestamp(letter.receivedAt)}">${ago(now, letter.receivedAt)}</td>
<td class="when" title="${timestamp(letter.deadAt)}">${ago(now, letter.deadAt)}</td><td class="num">${letter.attempts}</td>
<td class="reason">${letter.reason}</td>
<td><form method="post" action="/actions/redrive" class="inline"><input type="hidden" name="id" value="${letter.id}"><button class="small" type="submit">Redrive</button></form>
<form method="post" action="/actions/drop" class="inline"><input type="hidden" name="id" value="${letter.id}"><button class="small danger" type="submit">Drop</button></form></td></tr>`,
  )}</tbody></table>
<div class="pager">${letters.nextAfter === undefined ? "" : html`<a href="/queue?after=${letters.nextAfter}">Next page »</a>`}</div>`;
}
