import { z } from "zod";
import { VISIBILITY_MS_DEFAULT, VISIBILITY_MS_MAX, VISIBILITY_MS_MIN } from "../../shared/protocol/schema";
import { describeIssues } from "./describe-issues";

/**
 * The edge's tunables, from `[vars]` in wrangler.toml (strings or numbers), with the defaults in code so that a
 * missing variable is never an error.
 */

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The body cap cannot go past 25 MiB: a leased message crosses the Durable Object's RPC boundary (32 MiB per call)
 * whole, and the isolate has 128 MB of memory for the bytes, their text and the JSON around them.
 */
export const MAX_BODY_BYTES_LIMIT = 25 * MIB;

/** `[vars]` arrive as strings or numbers; digits are read as a number, anything else fails as "must be a number". */
function integer(fallback: number, min: number, max: number) {
  return z
    .preprocess(
      (value) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
      z.number().int().min(min).max(max),
    )
    .default(fallback);
}

export const EdgeVars = z.object({
  MAX_BODY_BYTES: integer(10 * MIB, 1024, MAX_BODY_BYTES_LIMIT),
  RETENTION_DAYS: integer(14, 1, 3650),
  BACKLOG_CAP: integer(100_000, 1, 10_000_000),
  MAX_ATTEMPTS: integer(10, 1, 1_000),
  VISIBILITY_TIMEOUT_MS: integer(VISIBILITY_MS_DEFAULT, VISIBILITY_MS_MIN, VISIBILITY_MS_MAX),
});
export type EdgeVarsInput = z.input<typeof EdgeVars>;

export interface EdgeSettings {
  /** Larger webhook bodies are refused with 413. */
  readonly maxBodyBytes: number;
  /** Undelivered messages, dead letters and delivery ids are kept this long. */
  readonly retentionMs: number;
  /** Waiting events beyond this are dropped, oldest first, and a `resync` is queued to heal the gap. */
  readonly backlogCap: number;
  /** Leases (including expired ones) before a message goes to the dead letters. */
  readonly maxAttempts: number;
  /** Visibility timeout of a lease that does not ask for one. */
  readonly defaultVisibilityMs: number;
}

export type SettingsResult = { ok: true; settings: EdgeSettings } | { ok: false; problems: string[] };

/** The variables this module reads. */
export type SettingsVars = Partial<Record<keyof EdgeVarsInput, string | number | undefined>>;

export function readSettings(vars: SettingsVars): SettingsResult {
  const parsed = EdgeVars.safeParse({
    MAX_BODY_BYTES: vars.MAX_BODY_BYTES,
    RETENTION_DAYS: vars.RETENTION_DAYS,
    BACKLOG_CAP: vars.BACKLOG_CAP,
    MAX_ATTEMPTS: vars.MAX_ATTEMPTS,
    VISIBILITY_TIMEOUT_MS: vars.VISIBILITY_TIMEOUT_MS,
  });
  if (!parsed.success) {
    // Path segments are the variable names themselves; print them without a prefix.
    return { ok: false, problems: describeIssues("", parsed.error.issues, () => true).map((line) => line.slice(1)) };
  }
  const v = parsed.data;
  return {
    ok: true,
    settings: {
      maxBodyBytes: v.MAX_BODY_BYTES,
      retentionMs: v.RETENTION_DAYS * DAY_MS,
      backlogCap: v.BACKLOG_CAP,
      maxAttempts: v.MAX_ATTEMPTS,
      defaultVisibilityMs: v.VISIBILITY_TIMEOUT_MS,
    },
  };
}
