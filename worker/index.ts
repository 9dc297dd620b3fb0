import { Hono } from "hono";
import { queueOf, tenantsOf } from "./http/edge-config";
import { envelope, renderError } from "./http/edge-error";
import { logEvent } from "./log";
import { RelayQueue } from "./relay-queue";
import { agentRoutes } from "./routes/agent";
import { webhookRoutes } from "./routes/webhooks";

export { RelayQueue };

/**
 * The edge: Bitbucket's webhooks in (`/webhooks/{tenant}`), the agent's lease protocol out (`/agent/v1/{tenant}`),
 * one SQLite Durable Object queue per tenant, and a Cron Trigger that asks every tenant's agent for a full resync.
 */
export const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/", webhookRoutes);
app.route("/", agentRoutes);
app.notFound((c) => c.json(envelope("not_found", "no such route: see the README's HTTP API table"), 404));
app.onError(renderError);

/** One `resync` per configured tenant; a tick while one is still waiting adds nothing. */
export async function scheduleResyncs(env: Env): Promise<void> {
  const tenants = [...tenantsOf(env).values()];
  const results = await Promise.allSettled(tenants.map((tenant) => queueOf(env, tenant).requestResync("cron")));
  results.forEach((result, index) => {
    const tenant = tenants[index]?.name ?? "";
    if (result.status === "fulfilled") {
      logEvent("info", "cron resync requested", { tenant, coalesced: result.value.coalesced });
    } else {
      logEvent("error", "cron resync request failed", { tenant, error: String(result.reason) });
    }
  });
  if (results.some((result) => result.status === "rejected")) {
    throw new Error("the cron resync request failed for at least one tenant; see the log lines above");
  }
}

export default {
  fetch: app.fetch,
  async scheduled(_controller, env) {
    await scheduleResyncs(env);
  },
} satisfies ExportedHandler<Env>;
