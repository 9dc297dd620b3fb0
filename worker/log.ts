export type LogLevel = "debug" | "info" | "warn" | "error";

export type LogFields = Record<string, string | number | boolean | null>;

/** Where log lines go: the console (Workers Logs) by default; tests collect them instead (see {@link setLogSink}). */
export type LogSink = (level: LogLevel, line: { level: LogLevel; message: string } & LogFields) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

// The isolate's one sink. The edge builds its app at module level, with nothing to inject a logger into; the
// sink is the seam a test replaces (workerd runs the tests and the worker in one isolate).
let sink: LogSink = consoleSink;

/** Sends log lines to `next` (null: back to the console). */
export function setLogSink(next: LogSink | null): void {
  sink = next ?? consoleSink;
}

/**
 * One structured log line (a JSON object, which Workers Logs indexes) with a static message and the details as
 * fields. Callers pass names, ids and counts, never secrets, tokens or payloads.
 */
export function logEvent(level: LogLevel, message: string, fields: LogFields = {}): void {
  sink(level, { level, message, ...fields });
}
