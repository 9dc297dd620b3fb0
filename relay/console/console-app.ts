import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { messageOf } from "../log/message-of";
import { consoleAuth, SESSION_COOKIE, sameSecret, sessionValue } from "./console-auth";
import type { ConsoleSources } from "./console-sources";
import { catalogRoutes } from "./pages/catalog-routes";
import { type Html, type PageFrame, page, type Section, type Tone } from "./pages/layout";
import { mappingPage } from "./pages/mapping-page";
import { overviewPage } from "./pages/overview-page";
import { queuePage } from "./pages/queue-page";
import { syncPage } from "./pages/sync-page";
import { readinessOf } from "./readiness";

/** Renders a page body inside the shell (navigation, readiness dot, the notice of the last action). */
export type Render = (title: string, section: Section, body: Html, notice?: PageFrame["notice"]) => Html;

/**
 * The agent's HTTP surface: `/healthz`, `/readyz`, `/metrics`, and the console (server-rendered pages, forms for
 * the actions). Actions are POSTs behind Hono's CSRF check (the Origin or Sec-Fetch-Site of a form post must be
 * this console's own), and behind BBRELAY_CONSOLE_TOKEN when it is set.
 */
export function consoleApp(sources: ConsoleSources): Hono {
  const now = sources.now ?? Date.now;
  const app = new Hono();
  const readiness = () =>
    readinessOf(sources.monitor, {
      mappingOrigin: sources.mapping.origin,
      leaseWindowMs: sources.leaseWindowMs,
      now: now(),
    });
  const render: Render = (title, section, body, notice) =>
    page({ title, section, version: sources.version, ready: readiness().ready, notice }, body);

  app.use("*", async (c, next) => {
    await next();
    // Pages hold catalog data: never cached by a proxy; never framed by another site.
    c.header("cache-control", "no-store");
    c.header("x-frame-options", "DENY");
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "same-origin");
  });
  app.use("*", csrf());
  app.use("*", consoleAuth(sources.token));

  app.get("/healthz", (c) =>
    c.json({ status: "ok", uptimeSeconds: Math.round((now() - sources.monitor.startedAt) / 1_000) }),
  );
  app.get("/readyz", (c) => {
    const state = readiness();
    return c.json({ status: state.ready ? "ready" : "not ready", checks: state.checks }, state.ready ? 200 : 503);
  });
  app.get("/metrics", async (c) =>
    c.body(await sources.monitor.metrics.text(), 200, { "content-type": sources.monitor.metrics.contentType }),
  );

  app.get("/login", (c) => c.html(render("Sign in", "overview", loginForm(c.req.query("next") ?? "/", false))));
  app.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(typeof form.next === "string" ? form.next : "/");
    if (sources.token === null || typeof form.token !== "string" || !sameSecret(form.token, sources.token))
      return c.html(render("Sign in", "overview", loginForm(next, true)), 401);
    setCookie(c, SESSION_COOKIE, sessionValue(sources.token), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: new URL(c.req.url).protocol === "https:",
    });
    return c.redirect(next, 303);
  });

  app.get("/", (c) =>
    c.html(render("Overview", "overview", overviewPage(sources, readiness(), now()), noticeOf(c.req.query()))),
  );
  app.route("/", catalogRoutes(sources, render));
  app.get("/sync", (c) =>
    c.html(render("Sync", "sync", syncPage(sources, c.req.query(), now()), noticeOf(c.req.query()))),
  );
  app.get("/queue", async (c) => {
    const body = await queuePage(sources, c.req.query("after"), now());
    return c.html(render("Queue", "queue", body, noticeOf(c.req.query())));
  });
  app.get("/mapping", async (c) => {
    const body = await mappingPage(sources, c.req.query(), c.req.raw.signal);
    return c.html(render("Mapping", "mapping", body));
  });

  app.post("/actions/redrive", async (c) => {
    const form = await c.req.parseBody({ all: true });
    const ids = idsOf(form.id);
    return act(c, "/queue", async () => {
      const { redriven } = await sources.edge.redrive(form.all === "true" ? { all: true } : { ids });
      return `redriven=${redriven}`;
    });
  });
  app.post("/actions/drop", async (c) => {
    const ids = idsOf((await c.req.parseBody({ all: true })).id);
    return act(c, "/queue", async () => `dropped=${(await sources.edge.dropDeadLetters({ ids })).dropped}`);
  });
  app.post("/actions/resync", async (c) => {
    await c.req.parseBody();
    return act(c, "/sync", async () => {
      const { coalesced } = await sources.edge.requestResync();
      return `resync=${coalesced ? "coalesced" : "queued"}`;
    });
  });

  app.notFound((c) => c.html(render("Not found", "overview", notFoundBody(c.req.path)), 404));
  app.onError((error, c) => {
    // The CSRF check's 403 (and any other deliberate HTTP answer) is not a failure of the console.
    if (error instanceof HTTPException) return error.getResponse();
    sources.logger.error({ path: c.req.path, error: messageOf(error) }, "Console page failed");
    return c.html(render("Error", "overview", errorBody(messageOf(error))), 500);
  });
  return app;
}

type FormValue = string | File | (string | File)[] | undefined;

function idsOf(value: FormValue): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((entry): entry is string => typeof entry === "string" && /^\d{1,15}$/.test(entry));
}

/** Runs an action and comes back to the page with its outcome (Post/Redirect/Get: a reload does not repeat it). */
async function act(
  c: { redirect(location: string, status: 303): Response },
  back: string,
  action: () => Promise<string>,
): Promise<Response> {
  try {
    return c.redirect(`${back}?${await action()}`, 303);
  } catch (error) {
    return c.redirect(`${back}?failed=${encodeURIComponent(messageOf(error).slice(0, 300))}`, 303);
  }
}

/** The notice after an action, from the query the action redirected with (fixed texts, counts as numbers). */
export function noticeOf(query: Record<string, string>): { tone: Tone; text: string } | undefined {
  if (query.failed !== undefined) return { tone: "bad", text: `The edge refused: ${query.failed}` };
  if (query.redriven !== undefined)
    return { tone: "ok", text: `Redriven ${Number(query.redriven) || 0} dead letter(s): back in the queue.` };
  if (query.dropped !== undefined) return { tone: "ok", text: `Dropped ${Number(query.dropped) || 0} dead letter(s).` };
  if (query.resync === "queued")
    return { tone: "ok", text: "Resync requested: the edge queued it; it appears below once the agent leases it." };
  if (query.resync === "coalesced")
    return { tone: "info", text: "A resync was already waiting at the edge: this request joined it." };
  return undefined;
}

function safeNext(next: string): string {
  // Only a path of this console: never an absolute URL (an open redirect).
  return /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : "/";
}

function loginForm(next: string, failed: boolean): Html {
  return html`<h1>Sign in</h1>
<p class="sub">This console is served beyond this machine: give the agent's BBRELAY_CONSOLE_TOKEN.</p>
${failed ? html`<p class="notice notice-bad">That token is not the console's.</p>` : ""}
<form method="post" action="/login" class="toolbar">
<input type="hidden" name="next" value="${safeNext(next)}">
<input type="password" name="token" aria-label="Console token" autocomplete="current-password" required>
<button class="primary" type="submit">Sign in</button>
</form>`;
}

function notFoundBody(path: string): Html {
  return html`<h1>Not found</h1><p class="sub">Nothing at <code>${path}</code>. <a href="/">Back to the overview</a>.</p>`;
}

function errorBody(message: string): Html {
  return html`<h1>Something failed</h1><p class="notice notice-bad">${message}</p>`;
}
