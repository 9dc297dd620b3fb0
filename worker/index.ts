import { Hono } from "hono";
import { RelayQueue } from "./relay-queue";

export { RelayQueue };

export const app = new Hono<{ Bindings: Env }>();

app.get("/healthz", (c) => c.json({ ok: true }));

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
