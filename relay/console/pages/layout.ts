import { html, raw } from "hono/html";

/** What every page template returns (hono/html: interpolated strings are escaped, nested templates are not). */
export type Html = ReturnType<typeof html>;

export type Section = "overview" | "catalog" | "sync" | "queue" | "mapping";

export interface PageFrame {
  title: string;
  section: Section;
  version: string;
  /** Shown as the dot beside the name: ready or not (`/readyz`). */
  ready: boolean;
  /** A one-line message after an action (redriven, resync requested). */
  notice?: { tone: Tone; text: string } | undefined;
}

export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

const NAV: [Section, string, string][] = [
  ["overview", "/", "Overview"],
  ["catalog", "/catalog", "Catalog"],
  ["sync", "/sync", "Sync"],
  ["queue", "/queue", "Queue"],
  ["mapping", "/mapping", "Mapping"],
];

/**
 * The page shell: inline CSS only (the console runs in closed networks: nothing is fetched from elsewhere), no
 * script, so every page reads without JavaScript; forms post plain HTML.
 */
export function page(frame: PageFrame, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · bbrelay</title>
<style>${raw(CSS)}</style>
</head>
<body>
<header class="top">
  <a class="brand" href="/"><span class="dot ${frame.ready ? "dot-ok" : "dot-bad"}" title="${frame.ready ? "ready" : "not ready"}"></span>bbrelay</a>
  <nav>${NAV.map(([section, href, label]) => html`<a href="${href}" class="${section === frame.section ? "active" : ""}">${label}</a>`)}</nav>
  <span class="version">agent ${frame.version}</span>
</header>
<main>
${frame.notice === undefined ? "" : html`<p class="notice notice-${frame.notice.tone}" role="status">${frame.notice.text}</p>`}
${body}
</main>
</body>
</html>`;
}

/** A link to an entity's page (identifiers may hold `/`: they go in the query, not the path). */
export function entityLink(blueprint: string, identifier: string, text?: string): Html {
  const href = `/catalog/entity?blueprint=${encodeURIComponent(blueprint)}&identifier=${encodeURIComponent(identifier)}`;
  return html`<a href="${href}">${text ?? identifier}</a>`;
}

export function badge(tone: Tone, text: string): Html {
  return html`<span class="badge badge-${tone}">${text}</span>`;
}

/** `3 s ago`, `5 min ago`, `2 h ago`, `4 d ago`. */
export function ago(now: number, at: number | null): string {
  if (at === null) return "never";
  const seconds = Math.max(0, Math.round((now - at) / 1_000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/** `850 ms`, `4.2 s`, `3 min 10 s`, `1 h 5 min`. */
export function duration(ms: number | null): string {
  if (ms === null) return "–";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

/** An ISO time in UTC, to the second, for tables. */
export function timestamp(at: number | string | null): string {
  if (at === null) return "–";
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at) : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function count(value: number): string {
  return value.toLocaleString("en-US");
}

const CSS = `
:root{--bg:#f6f7f9;--panel:#fff;--ink:#1b1f24;--muted:#5f6b7a;--line:#e3e7ec;--accent:#2456c9;--top:#14181f;
--ok:#1a7f37;--ok-bg:#e6f4ea;--warn:#9a6700;--warn-bg:#fff4d6;--bad:#c62828;--bad-bg:#fdecea;--info:#2456c9;--info-bg:#e8effc}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.top{display:flex;align-items:center;gap:28px;background:var(--top);color:#fff;padding:0 24px;height:52px}
.brand{color:#fff;font-weight:650;font-size:16px;letter-spacing:.2px;display:flex;align-items:center;gap:8px}
.top nav{display:flex;gap:4px;flex:1}
.top nav a{color:#c9d1db;padding:6px 12px;border-radius:6px}
.top nav a:hover{background:#232a35;text-decoration:none;color:#fff}
.top nav a.active{background:#2b3442;color:#fff}
.version{color:#8b96a5;font-size:12px}
.dot{width:10px;height:10px;border-radius:50%;display:inline-block}.dot-ok{background:#3fb950}.dot-bad{background:#f85149}
main{max-width:1280px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px;font-weight:650}h2{font-size:16px;margin:28px 0 10px;font-weight:650}
.sub{color:var(--muted);margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px;margin:16px 0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px 16px}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
.card .value{font-size:24px;font-weight:650;margin-top:4px;font-variant-numeric:tabular-nums}
.card .hint{color:var(--muted);font-size:12px}
.card.bad{border-color:#f3b7b2}.card.bad .value{color:var(--bad)}.card.warn .value{color:var(--warn)}
table{width:100%;border-collapse:collapse;background:var(--panel);border:1px solid var(--line);border-radius:8px;overflow:hidden}
th,td{text-align:left;padding:8px 12px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f0f2f5;color:var(--muted);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.3px}
tr:last-child td{border-bottom:none}tbody tr:hover{background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge-ok{background:var(--ok-bg);color:var(--ok)}.badge-warn{background:var(--warn-bg);color:var(--warn)}
.badge-bad{background:var(--bad-bg);color:var(--bad)}.badge-info{background:var(--info-bg);color:var(--info)}
.badge-muted{background:#eef0f3;color:var(--muted)}
.notice{padding:10px 14px;border-radius:8px;border:1px solid var(--line);background:var(--panel)}
.notice-ok{border-color:#a6d8b5;background:var(--ok-bg)}.notice-bad{border-color:#f3b7b2;background:var(--bad-bg)}
.notice-warn{border-color:#f0d28a;background:var(--warn-bg)}.notice-info{background:var(--info-bg)}
form.inline{display:inline}
.toolbar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:12px 0}
input[type=text],input[type=search],select{padding:7px 10px;border:1px solid #c9d1db;border-radius:6px;font:inherit;background:#fff}
input[type=search]{min-width:280px}
button{padding:7px 14px;border-radius:6px;border:1px solid #c9d1db;background:#fff;font:inherit;cursor:pointer}
button:hover{background:#f0f2f5}button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.danger{color:var(--bad);border-color:#f3b7b2}button.small{padding:3px 10px;font-size:12px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}@media(max-width:900px){.grid2{grid-template-columns:1fr}}
pre{background:#0f141b;color:#d6dde6;padding:14px;border-radius:8px;overflow:auto;max-height:560px;margin:0}
dl.props{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0}
dl.props dt{color:var(--muted)}dl.props dd{margin:0;word-break:break-word}
.muted{color:var(--muted)}.pager{display:flex;gap:12px;margin:12px 0;align-items:center}
.empty{padding:28px;text-align:center;color:var(--muted);background:var(--panel);border:1px dashed var(--line);border-radius:8px}
.reason{max-width:520px;word-break:break-word}
td.num,td.when{white-space:nowrap}.run h2 .muted{font-weight:400;font-size:13px;margin-left:6px}
`;
