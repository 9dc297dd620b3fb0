export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * One structured log line (a JSON object, which Workers Logs indexes) with a static message and the details as
 * fields. Callers pass names, ids and counts, never secrets, tokens or payloads.
 */
export function logEvent(
  level: LogLevel,
  message: string,
  fields: Record<string, string | number | boolean | null> = {},
): void {
  const line = { level, message, ...fields };
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
