import type { z } from "zod";
import { BitbucketError } from "./errors";

/**
 * Validates one response body against its permissive wire schema.
 * @throws BitbucketError `invalid-response` naming the first problem
 */
export function parseWire<T>(schema: z.ZodType<T>, body: unknown, method: string, path: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const reason = `unexpected body (${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"})`;
  throw new BitbucketError({ kind: "invalid-response", method, path, status: 200, reason });
}
