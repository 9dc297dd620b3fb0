import { z } from "zod";

/**
 * What `npm start` follows in the agent's JSON log lines (`relay/log/logger.ts`; the messages are static, which
 * is what lets them be matched): the agent started, its console listens, a resync started or finished, the webhooks were reconciled, and
 * anything at warn or error level. Every other line is only written to the log file.
 */

export type AgentLogEvent =
  | { event: "started" }
  /** `bbrelay run`'s HTTP listener (the web console, /healthz, /readyz, /metrics). */
  | { event: "console"; url: string }
  | { event: "resync-started" }
  | { event: "resync-finished"; status: string; durationMs: number }
  /** `bbrelay run`'s reconcile of the webhooks (at start, after each resync). */
  | {
      event: "webhooks";
      when: string;
      ok: boolean;
      created: number;
      updated: number;
      unchanged: number;
      failed: number;
    }
  | { event: "problem"; level: "warn" | "error"; message: string; details: string }
  /** A line that is not JSON: the CLI's own error output (a configuration error, a crash). */
  | { event: "text"; text: string }
  | { event: "other" };

const Line = z.looseObject({ level: z.enum(["debug", "info", "warn", "error"]), msg: z.string() });
const ConsoleListening = z.looseObject({ url: z.string() });
const ResyncFinished = z.looseObject({ status: z.string(), durationMs: z.number() });
const Webhooks = z.looseObject({
  // The installer logs its own line too; `bbrelay run`'s carries `when`.
  when: z.string(),
  created: z.number().catch(0),
  updated: z.number().catch(0),
  unchanged: z.number().catch(0),
  failed: z.number().catch(0),
});
const LOGGER_FIELDS = new Set(["time", "level", "msg"]);

export function parseAgentLogLine(line: string): AgentLogEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { event: "text", text: line };
  }
  const parsed = Line.safeParse(value);
  if (!parsed.success) return { event: "text", text: line };
  const { level, msg } = parsed.data;
  if (msg === "Agent started") return { event: "started" };
  if (msg === "Console listening") {
    const url = ConsoleListening.safeParse(parsed.data);
    return url.success ? { event: "console", url: url.data.url } : { event: "other" };
  }
  if (msg === "Resync started") return { event: "resync-started" };
  if (msg === "Resync finished") {
    const finished = ResyncFinished.safeParse(parsed.data);
    return finished.success
      ? { event: "resync-finished", status: finished.data.status, durationMs: finished.data.durationMs }
      : { event: "other" };
  }
  if (msg.startsWith("Webhooks reconciled")) {
    const webhooks = Webhooks.safeParse(parsed.data);
    if (webhooks.success) {
      const { when, created, updated, unchanged, failed } = webhooks.data;
      return { event: "webhooks", when, ok: level === "info", created, updated, unchanged, failed };
    }
  }
  if (level === "warn" || level === "error")
    return { event: "problem", level, message: msg, details: detailsOf(parsed.data) };
  return { event: "other" };
}

/** The line's own fields as `key=value`, without the logger's (the values were redacted by the agent's logger). */
function detailsOf(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([key, value]) => !LOGGER_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
}
