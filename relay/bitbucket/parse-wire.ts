import type { z } from "zod";
import { BitbucketError } from "./errors";

/**
 * Validates one response body against its permissive wire schema.
 * @throws BitbucketError `invalid-response` naming the first problem
 */
export function parseWire<T>(schema: z.ZodType<T>, body: unknown, method: string, path: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new BitbucketError({
    kind: "invalid-response",
    method,
    path,
    status: 200,
    reason: `unexpected body (${firstIssue(parsed.error)})`,
  });
}

/** `path.to.field: message` of a body's first problem. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`;
}
