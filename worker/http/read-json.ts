import type { Context } from "hono";
import type { z } from "zod";
import { EdgeError } from "./edge-error";

/** Agent requests are small; anything bigger is not ours. */
const MAX_AGENT_BODY_CHARS = 1024 * 1024;

/**
 * Reads and validates an agent request's JSON body with one of the protocol's strict schemas. An empty body is
 * read as `{}`, so that calls whose fields all have defaults need none.
 * @throws EdgeError 400 naming every field that is wrong
 */
export async function readJson<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const text = await c.req.text();
  if (text.length > MAX_AGENT_BODY_CHARS) {
    throw new EdgeError(413, "payload_too_large", `agent requests are limited to ${MAX_AGENT_BODY_CHARS} characters`);
  }
  let raw: unknown = {};
  if (text.trim().length > 0) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new EdgeError(400, "invalid_json", "the request body is not JSON");
    }
  }
  return validate(schema, raw);
}

/** @throws EdgeError 400 naming every field that is wrong */
export function validate<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.length === 0 ? "body" : issue.path.map(String).join(".");
    return `${where}: ${issue.message}`;
  });
  throw new EdgeError(400, "invalid_request", problems.join("; "));
}
