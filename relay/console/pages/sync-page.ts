import { html } from "hono/html";
import { z } from "zod";
import type { RunRecord } from "../../state/agent-state";
import type { ConsoleSources } from "../console-sources";
import type { FeedEntry } from "../live-feed";
import { ago, badge, count, duration, type Html, type Tone, timestamp } from "./layout";

const RUNS_PER_PAGE = 20;

/**
 * A run's summary as stored in the agent state, read permissively: summaries written by older or newer agents
 * (the fields of a summary grow) still show what they have.
 */
const StoredSummary = z.looseObject({
  status: z.string().optional(),
  durationMs: z.number().optional(),
  kinds: z
    .array(
      z.looseObject({
        kind: z.string(),
        resource: z.number().optional(),
        status: z.string().optional(),
        listed: z.number().default(0),
        created: z.number().default(0),
        updated: z.number().default(0),
        unchanged: z.number().default(0),
        deleted: z.number().default(0),
        failed: z.number().default(0),
        warnings: z.number().default(0),
        durationMs: z.number().optional(),
        errors: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  reconcile: z
    .looseObject({ status: z.string(), deleted: z.number().optional(), reason: z.string().optional() })
    .optional(),
  failures: z
    .array(
      z.looseObject({
        cause: z.string(),
        kind: z.string().nullable().optional(),
        field: z.string().optional(),
        count: z.number(),
        message: z.string().optional(),
        fix: z.string().optional(),
      }),
    )
    .default([]),
  gitops: z
    .looseObject({
      status: z.string().optional(),
      repositories: z.number().default(0),
      files: z.number().default(0),
      created: z.number().default(0),
      updated: z.number().default(0),
      unchanged: z.number().default(0),
      deleted: z.number().default(0),
      failed: z.number().default(0),
      invalid: z.number().default(0),
      invalidFiles: z.array(z.looseObject({ file: z.string(), reason: z.string() })).default([]),
      failures: z.array(z.string()).default([]),
    })
    .optional(),
});
type StoredSummary = z.infer<typeof StoredSummary>;
type StoredGitOps = NonNullable<StoredSummary["gitops"]>;

/** The Sync page: the resync history (from the agent state) and the live feed of handled messages (in memory). */
export function syncPage(sources: ConsoleSources, query: Record<string, string>, now: number): Html {
  const before = /^\d{1,15}$/.test(query.before ?? "") ? Number(query.before) : undefined;
  const runs = sources.state.recentRuns(RUNS_PER_PAGE + 1, before);
  const shown = runs.slice(0, RUNS_PER_PAGE);
  const last = shown.at(-1);
  const feed = sources.monitor.feed.recent(100);
  return html`<h1>Sync</h1>
<p class="sub">Resyncs this agent ran (kept in its state file) and the messages it handled lately (the last ${sources.monitor.feed.capacity}, in memory).</p>
<form method="post" action="/actions/resync" class="toolbar">
<button class="primary" type="submit">Request a resync</button>
<span class="muted">Queued at the edge (coalesced with any waiting one); this agent leases it like any message.</span>
</form>
<h2>Resync history</h2>
${shown.length === 0 ? html`<p class="empty">No resync has run yet.</p>` : shown.map((run) => runBlock(run, now))}
<div class="pager">${
    runs.length > RUNS_PER_PAGE && last !== undefined
      ? html`<a href="/sync?before=${last.id}">Older runs »</a>`
      : html`<span class="muted">${shown.length === 0 ? "" : "No older run"}</span>`
  }</div>
<h2>Live feed</h2>
${feedTable(feed, now)}`;
}

export function statusTone(status: string): Tone {
  if (status === "succeeded" || status === "ok") return "ok";
  if (status === "partial" || status === "running" || status === "retry") return "warn";
  if (status === "failed" || status === "dead") return "bad";
  return "muted";
}

function runBlock(run: RunRecord, now: number): Html {
  const parsed = StoredSummary.safeParse(run.summary ?? {});
  const summary: StoredSummary = parsed.success ? parsed.data : { kinds: [], failures: [] };
  const status = run.status === "running" ? "running" : (summary.status ?? run.status);
  const took = run.finishedAt === null ? now - run.startedAt : run.finishedAt - run.startedAt;
  const legacyErrors = summary.kinds.flatMap((kind) =>
    (kind.errors ?? []).map((error) => ({ kind: kind.kind, error })),
  );
  return html`<section class="run" id="run-${run.id}">
<h2>${run.kind === "dry-run" ? "Dry run" : "Resync"} #${run.id} ${badge(statusTone(status), status)}
<span class="muted">started ${timestamp(run.startedAt)} (${ago(now, run.startedAt)}) · ${run.finishedAt === null ? "running for" : "took"} ${duration(took)}</span></h2>
${
  summary.kinds.length === 0
    ? ""
    : html`<table><thead><tr><th>Kind</th><th>Status</th><th class="num">Listed</th><th class="num">Created</th><th class="num">Updated</th><th class="num">Unchanged</th><th class="num">Deleted</th><th class="num">Failed</th><th class="num">Warnings</th><th class="num">Time</th></tr></thead>
<tbody>${summary.kinds.map(
        (
          kind,
        ) => html`<tr><td><code>${kind.kind}</code></td><td>${badge(statusTone(kind.status ?? ""), kind.status ?? "?")}</td>
<td class="num">${count(kind.listed)}</td><td class="num">${count(kind.created)}</td><td class="num">${count(kind.updated)}</td>
<td class="num">${count(kind.unchanged)}</td><td class="num">${count(kind.deleted)}</td>
<td class="num">${kind.failed > 0 ? badge("bad", count(kind.failed)) : "0"}</td>
<td class="num">${kind.warnings > 0 ? badge("warn", count(kind.warnings)) : "0"}</td>
<td class="num">${duration(kind.durationMs ?? null)}</td></tr>`,
      )}</tbody></table>`
}
${summary.gitops === undefined ? "" : gitopsBlock(summary.gitops)}
${summary.reconcile === undefined ? "" : html`<p class="muted">Reconcile: ${summary.reconcile.status}${summary.reconcile.deleted === undefined ? "" : `, ${summary.reconcile.deleted} deleted`}${summary.reconcile.reason === undefined ? "" : ` (${summary.reconcile.reason})`}</p>`}
${
  summary.failures.length === 0 && legacyErrors.length === 0
    ? ""
    : html`<table><thead><tr><th>Failures by cause</th><th>Kind</th><th>Field</th><th class="num">Count</th><th>What was said, and the fix</th></tr></thead><tbody>
${summary.failures.map(
  (
    failure,
  ) => html`<tr><td>${badge("bad", failure.cause)}</td><td>${failure.kind ?? "reconcile"}</td><td><code>${failure.field ?? ""}</code></td>
<td class="num">${count(failure.count)}</td><td class="reason">${failure.message ?? ""}${failure.fix === undefined ? "" : html`<br><span class="muted">Fix: ${failure.fix}</span>`}</td></tr>`,
)}
${legacyErrors.map(
  (entry) =>
    html`<tr><td>${badge("bad", "error")}</td><td>${entry.kind}</td><td></td><td class="num">1</td><td class="reason">${entry.error}</td></tr>`,
)}</tbody></table>`
}
</section>`;
}

/**
 * What the run's GitOps step did, and each file that is not valid with the place of its problem (the file changed
 * nothing) and each entity the catalog refused: what a repository's owner must fix.
 */
function gitopsBlock(gitops: StoredGitOps): Html {
  const trouble = gitops.invalidFiles.length > 0 || gitops.failures.length > 0;
  return html`<p class="muted">GitOps: ${badge(statusTone(gitops.status ?? ""), gitops.status ?? "?")} ${count(gitops.files)} file(s) in ${count(gitops.repositories)} repositories; ${count(gitops.created)} created, ${count(gitops.updated)} updated, ${count(gitops.unchanged)} unchanged, ${count(gitops.deleted)} deleted, ${count(gitops.failed)} refused, ${count(gitops.invalid)} invalid file(s)</p>
${
  trouble
    ? html`<table><thead><tr><th>GitOps problem</th><th>File or entity</th><th>What was wrong (nothing of an invalid file was written or deleted; fix it and push)</th></tr></thead><tbody>
${gitops.invalidFiles.map(
  (entry) =>
    html`<tr><td>${badge("warn", "invalid file")}</td><td class="mono">${entry.file}</td><td class="reason">${entry.reason}</td></tr>`,
)}
${gitops.failures.map(
  (failure) => html`<tr><td>${badge("bad", "refused")}</td><td></td><td class="reason">${failure}</td></tr>`,
)}${gitops.invalid > gitops.invalidFiles.length ? html`<tr><td colspan="3" class="muted">and ${count(gitops.invalid - gitops.invalidFiles.length)} more invalid file(s): see the agent's log</td></tr>` : ""}</tbody></table>`
    : ""
}`;
}

function feedTable(feed: FeedEntry[], now: number): Html {
  if (feed.length === 0)
    return html`<p class="empty">No message handled since the agent started. Changes in Bitbucket show up here as they arrive.</p>`;
  return html`<table><thead><tr><th>When</th><th>Message</th><th>Event</th><th>Concerns</th><th>Outcome</th><th class="num">Delay</th><th class="num">Attempt</th><th>Reason</th></tr></thead>
<tbody>${feed.map(
    (
      entry,
    ) => html`<tr><td title="${timestamp(entry.finishedAt)}">${ago(now, entry.finishedAt)}</td><td class="mono">${entry.messageId}</td>
<td>${entry.type === "resync" ? html`resync <span class="muted">(${entry.resyncReason ?? "?"})</span>` : html`<code>${entry.eventKey ?? "?"}</code>`}</td>
<td class="mono">${entry.entityKey ?? ""}</td><td>${badge(statusTone(entry.outcome), entry.outcome)}</td>
<td class="num">${duration(entry.delayMs)}</td><td class="num">${entry.attempts}</td><td class="reason">${entry.detail ?? ""}</td></tr>`,
  )}</tbody></table>`;
}
