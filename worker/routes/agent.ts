import { Hono } from "hono";
import { z } from "zod";
import {
  AckRequest,
  DropRequest,
  ExtendRequest,
  LeaseRequest,
  type QueueStats,
  RedriveRequest,
} from "../../shared/protocol/schema";
import { type AgentVariables, agentAuth } from "../http/agent-auth";
import { queueOf, settingsOf } from "../http/edge-config";
import { readJson, validate } from "../http/read-json";
import { DEAD_LETTER_PAGE_MAX } from "../queue/dead-letters";
import { renderLeaseResponse } from "./lease-response";

/** The lease request as the edge reads it: without `visibilityMs`, the `VISIBILITY_TIMEOUT_MS` var applies. */
const EdgeLeaseRequest = LeaseRequest.extend({
  visibilityMs: LeaseRequest.shape.visibilityMs.removeDefault().optional(),
});

const DeadLetterQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(DEAD_LETTER_PAGE_MAX).optional(),
  after: z
    .string()
    .regex(/^\d{1,15}$/, "must be a message id from a previous page")
    .optional(),
});

const ResyncBody = z.strictObject({});

/** `/agent/v1/{tenant}/...`: the agent protocol (shared/protocol/schema.ts), every call authenticated. */
export const agentRoutes = new Hono<{ Bindings: Env; Variables: AgentVariables }>();

agentRoutes.use("/agent/v1/:tenant/*", agentAuth);

agentRoutes.post("/agent/v1/:tenant/lease", async (c) => {
  const request = await readJson(c, EdgeLeaseRequest);
  const visibilityMs = request.visibilityMs ?? settingsOf(c.env).defaultVisibilityMs;
  const queue = queueOf(c.env, c.var.tenant);
  // A long-poll whose agent goes away (it stopped, its connection broke) must not take the next message with it:
  // the request's signal (compatibility flag enable_request_signal) ends the wait, and anything leased to the
  // departed caller all the same is given back at once, the attempt uncounted. Local workerd (Miniflare 4) does not
  // abort the signal when a client disconnects, so only the queue's side of this is tested here; without the signal
  // the message still comes back after its visibility timeout.
  const signal = c.req.raw.signal;
  const waitId = crypto.randomUUID();
  const abandon = () => c.executionCtx.waitUntil(queue.abandonLease(waitId));
  signal.addEventListener("abort", abandon, { once: true });
  try {
    const result = await queue.lease({ ...request, visibilityMs }, waitId);
    if (signal.aborted && result.messages.length > 0) {
      c.executionCtx.waitUntil(
        queue.releaseLeases(result.messages.map((message) => message.leaseId)).then(() => undefined),
      );
    }
    return c.body(renderLeaseResponse(result), 200, { "content-type": "application/json; charset=utf-8" });
  } finally {
    signal.removeEventListener("abort", abandon);
  }
});

agentRoutes.post("/agent/v1/:tenant/ack", async (c) => {
  const request = await readJson(c, AckRequest);
  return c.json(await queueOf(c.env, c.var.tenant).ack(request));
});

agentRoutes.post("/agent/v1/:tenant/extend", async (c) => {
  const request = await readJson(c, ExtendRequest);
  return c.json(await queueOf(c.env, c.var.tenant).extend(request));
});

agentRoutes.get("/agent/v1/:tenant/stats", async (c) => {
  const figures = await queueOf(c.env, c.var.tenant).stats();
  return c.json({ tenant: c.var.tenant.name, ...figures } satisfies QueueStats);
});

agentRoutes.get("/agent/v1/:tenant/dead-letters", async (c) => {
  const query = validate(DeadLetterQuery, c.req.query());
  return c.json(await queueOf(c.env, c.var.tenant).deadLetters(query));
});

agentRoutes.post("/agent/v1/:tenant/dead-letters/redrive", async (c) => {
  const request = await readJson(c, RedriveRequest);
  return c.json(await queueOf(c.env, c.var.tenant).redrive(request));
});

agentRoutes.post("/agent/v1/:tenant/dead-letters/drop", async (c) => {
  const request = await readJson(c, DropRequest);
  return c.json(await queueOf(c.env, c.var.tenant).dropDeadLetters(request));
});

agentRoutes.post("/agent/v1/:tenant/resync", async (c) => {
  await readJson(c, ResyncBody);
  return c.json(await queueOf(c.env, c.var.tenant).requestResync("operator"), 202);
});
