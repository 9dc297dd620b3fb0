import type { PortIntegration } from "./integration-schema";

/**
 * Port's own resync interval for an integration, when Port has one (`spec.appSpec.scheduledResyncInterval`, which
 * Ocean reads as minutes, or `90m`, `2h`, `1d`, `1w`: `port_ocean/utils/time.py:parse_interval_to_minutes`).
 * @returns minutes, or null when Port sets none (or sets something unreadable)
 */
export function portResyncInterval(integration: PortIntegration | null): number | null {
  const spec = integration?.spec;
  if (typeof spec !== "object" || spec === null || !("appSpec" in spec)) return null;
  const appSpec = spec.appSpec;
  if (typeof appSpec !== "object" || appSpec === null || !("scheduledResyncInterval" in appSpec)) return null;
  const value = appSpec.scheduledResyncInterval;
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value !== "string") return null;
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(value);
  if (match === null) return null;
  const perUnit: Record<string, number> = { "": 1, s: 1 / 60, m: 1, h: 60, d: 1440, w: 10080 };
  const minutes = Math.floor(Number(match[1]) * (perUnit[match[2] ?? ""] ?? 1));
  return minutes > 0 ? minutes : null;
}
