import { isIPv4, isIPv6 } from "node:net";

/**
 * The string formats Port enforces on properties (port-api.md §3 lists them). Only those with a checkable shape are
 * checked; `markdown`, `yaml`, `user`, `team`, `timer`, `proto`, `labeled-url`, `blueprints` are plain strings here.
 * The rules follow JSON Schema's (Port validates with JSON Schema): `date-time` is RFC 3339 with a time zone, so
 * Bitbucket's `+0000` or an ISO string without a zone fails exactly as in Port.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
/** JSON Schema's `url` format (ajv-formats): http, https or ftp, with a host. */
const URL_SCHEMES = new Set(["http:", "https:", "ftp:"]);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * @param format the property's `format`
 * @param value a string value of the property
 * @returns why the value breaks the format, or null
 */
export function formatProblem(format: string, value: string): string | null {
  switch (format) {
    case "date-time":
      return isDateTime(value)
        ? null
        : `"${clip(value)}" must match format "date-time" (RFC 3339, e.g. 2025-05-20T08:38:44Z)`;
    case "url":
      return isUrl(value) ? null : `"${clip(value)}" must match format "url" (an absolute http, https or ftp URL)`;
    case "email":
    case "idn-email":
      return EMAIL.test(value) ? null : `"${clip(value)}" must match format "${format}"`;
    case "ipv4":
      return isIPv4(value) ? null : `"${clip(value)}" must match format "ipv4"`;
    case "ipv6":
      return isIPv6(value) ? null : `"${clip(value)}" must match format "ipv6"`;
    default:
      return null;
  }
}

function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (match === null) return false;
  const [, year, month, day, hour, minute, second, , , offsetHour, offsetMinute] = match;
  const m = Number(month);
  const d = Number(day);
  if (m < 1 || m > 12 || d < 1 || d > daysIn(Number(year), m)) return false;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) return false;
  if (offsetHour !== undefined && (Number(offsetHour) > 23 || Number(offsetMinute) > 59)) return false;
  return true;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return URL_SCHEMES.has(url.protocol) && url.hostname.length > 0;
  } catch {
    return false;
  }
}

function clip(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}
