import type { Json } from "../../engine";
import { type Builtin, fromFn } from "../compiled-types";
import { cString } from "../runtime/access";
import { defer, jqError } from "../runtime/signals";
import { Unsupported } from "../unsupported";
import { unary, withValues } from "./helpers";

// jq 1.7.1's date builtins, in UTC, as jq-wasm runs them: jq's C code (gmtime_r, timegm) with Emscripten's
// strftime and strptime. Broken-down times are [year, month 0-11, day, hours, minutes, seconds, weekday, yearday].

const DAY = 86400;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  wday: number;
  yday: number;
}

/** The time range handled here; beyond it jq-wasm decides (64-bit time_t, out-of-range years). */
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** gmtime of whole seconds, by calendar arithmetic (no Date object: this runs for every date field of every item). */
function breakDown(seconds: number): Tm {
  const days = Math.floor(seconds / DAY);
  let rest = seconds - days * DAY;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const min = Math.floor(rest / 60);
  const sec = rest - min * 60;
  // Civil date from a day count (H. Hinnant's algorithm), proleptic Gregorian like gmtime.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const mday = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const mon = mp < 10 ? mp + 2 : mp - 10;
  const year = yoe + era * 400 + (mon <= 1 ? 1 : 0);
  const yday = (DAYS_BEFORE_MONTH[mon] ?? 0) + mday - 1 + (mon > 1 && isLeap(year) ? 1 : 0);
  const wday = (((days + 4) % 7) + 7) % 7;
  return { year, mon, mday, hour, min, sec, wday, yday };
}

function tmToJson(tm: Tm): Json[] {
  return [tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec, tm.wday, tm.yday];
}

function gmtime(x: Json): Json {
  if (typeof x !== "number") throw jqError("gmtime() requires numeric inputs");
  if (!(Math.abs(x) <= MAX_SECONDS)) throw defer("gmtime beyond the year 9999");
  // jq converts to time_t (truncation toward zero), then adds back the fraction measured from the floor.
  const tm = tmToJson(breakDown(Math.trunc(x)));
  tm[5] = (tm[5] as number) + (x - Math.floor(x));
  return tm;
}

/** jq's `jv2tm`: eight numbers, each truncated to a C int. */
function toTm(x: Json, error: string): Tm {
  if (!Array.isArray(x)) throw jqError(error);
  const fields: number[] = [];
  for (let i = 0; i < 8; i++) {
    const v = x[i];
    if (typeof v !== "number") throw jqError(error);
    if (!(Math.abs(v) < 2147483648)) throw defer("a broken-down time field beyond the int range");
    fields.push(Math.trunc(v));
  }
  const [year = 0, mon = 0, mday = 0, hour = 0, min = 0, sec = 0, wday = 0, yday = 0] = fields;
  return { year, mon, mday, hour, min, sec, wday, yday };
}

function mktime(x: Json): Json {
  if (!Array.isArray(x)) throw jqError("mktime requires array inputs");
  if (x.length < 6) throw jqError("mktime requires parsed datetime inputs");
  const tm = toTm(x, "mktime requires parsed datetime inputs");
  const d = new Date(0);
  d.setUTCFullYear(tm.year, tm.mon, tm.mday);
  d.setUTCHours(tm.hour, tm.min, tm.sec, 0);
  const t = d.getTime() / 1000;
  if (!(Math.abs(t) <= MAX_SECONDS)) throw defer("mktime beyond the year 9999");
  if (t === -1) throw jqError("invalid gmtime representation");
  return t;
}

function pad(n: number, width: number, fill = "0"): string {
  if (width === 2 && fill === "0" && n >= 0) return n < 10 ? `0${n}` : String(n);
  return String(n).padStart(width, fill);
}

/** Emscripten's strftime for the directives checked against jq-wasm; any other directive is not compiled. */
const STRFTIME: Readonly<Record<string, (tm: Tm) => string>> = {
  Y: (tm) => String(tm.year),
  m: (tm) => pad(tm.mon + 1, 2),
  d: (tm) => pad(tm.mday, 2),
  e: (tm) => pad(tm.mday, 2, " "),
  H: (tm) => pad(tm.hour, 2),
  M: (tm) => pad(tm.min, 2),
  S: (tm) => pad(tm.sec, 2),
  j: (tm) => pad(tm.yday + 1, 3),
  y: (tm) => String(tm.year).slice(2),
  a: (tm) => (WEEKDAYS[tm.wday] ?? "").slice(0, 3),
  A: (tm) => WEEKDAYS[tm.wday] ?? "",
  b: (tm) => (MONTHS[tm.mon] ?? "").slice(0, 3),
  B: (tm) => MONTHS[tm.mon] ?? "",
  h: (tm) => (MONTHS[tm.mon] ?? "").slice(0, 3),
  p: (tm) => (tm.hour < 12 ? "AM" : "PM"),
  I: (tm) => pad(tm.hour % 12 === 0 ? 12 : tm.hour % 12, 2),
  u: (tm) => String(tm.wday === 0 ? 7 : tm.wday),
  w: (tm) => String(tm.wday),
  D: (tm) => `${pad(tm.mon + 1, 2)}/${pad(tm.mday, 2)}/${String(tm.year).slice(2)}`,
  F: (tm) => `${tm.year}-${pad(tm.mon + 1, 2)}-${pad(tm.mday, 2)}`,
  T: (tm) => `${pad(tm.hour, 2)}:${pad(tm.min, 2)}:${pad(tm.sec, 2)}`,
  R: (tm) => `${pad(tm.hour, 2)}:${pad(tm.min, 2)}`,
  n: () => "\n",
  t: () => "\t",
  "%": () => "%",
};

/** Splits a format into literal text and directives; `null` when a directive is not one we reproduce. */
function parseFormat(
  format: string,
  known: Readonly<Record<string, unknown>>,
): (string | { directive: string })[] | null {
  const parts: (string | { directive: string })[] = [];
  let text = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i] ?? "";
    if (c !== "%") {
      text += c;
      continue;
    }
    const d = format[i + 1];
    if (d === undefined || !(d in known)) return null;
    if (text !== "") parts.push(text);
    text = "";
    parts.push({ directive: d });
    i++;
  }
  if (text !== "") parts.push(text);
  return parts;
}

function inRange(tm: Tm): boolean {
  return (
    tm.year >= 1000 &&
    tm.year <= 9999 &&
    tm.mon >= 0 &&
    tm.mon <= 11 &&
    tm.mday >= 1 &&
    tm.mday <= 31 &&
    tm.hour >= 0 &&
    tm.hour <= 23 &&
    tm.min >= 0 &&
    tm.min <= 59 &&
    tm.sec >= 0 &&
    tm.sec <= 60 &&
    tm.wday >= 0 &&
    tm.wday <= 6 &&
    tm.yday >= 0 &&
    tm.yday <= 365
  );
}

type Render = (tm: Tm) => string;

/** A strftime format turned into one rendering function (null when a directive is not one we reproduce). */
function renderer(format: string): Render | null {
  if (!/^[\x20-\x7e\n\t]*$/.test(format)) return null;
  const parts = parseFormat(format, STRFTIME);
  if (parts === null) return null;
  const pieces: Render[] = parts.map((part) => {
    if (typeof part === "string") return () => part;
    return STRFTIME[part.directive] ?? (() => "");
  });
  return (tm) => {
    let out = "";
    for (const piece of pieces) out += piece(tm);
    return out;
  };
}

/** What a format compiles to, per call site: most call sites have one literal format, so it compiles once. */
function cached<T>(build: (format: string) => T): (format: string) => T {
  const cache = new Map<string, T>();
  return (format) => {
    if (cache.has(format)) return cache.get(format) as T;
    const built = build(format);
    if (cache.size > 64) cache.clear();
    cache.set(format, built);
    return built;
  };
}

function strftime(x: Json, format: Json, formats: (format: string) => Render | null): Json {
  let tm: Tm;
  if (typeof x === "number") {
    // jq-wasm aborts (an assertion in jv.c) on a number with a non-string format: leave that to it.
    if (typeof format !== "string") throw defer("strftime of a number with a non-string format");
    // jq runs gmtime first; its fractional seconds are truncated again when the fields become a struct tm.
    if (!(Math.abs(x) <= MAX_SECONDS)) throw defer("gmtime beyond the year 9999");
    tm = breakDown(Math.trunc(x));
  } else {
    if (!Array.isArray(x)) throw jqError("strftime/1 requires parsed datetime inputs");
    if (typeof format !== "string") throw jqError("strftime/1 requires a string format");
    tm = toTm(x, "strftime/1 requires parsed datetime inputs");
  }
  const render = formats(format);
  if (render === null) throw defer(`strftime format ${format}`);
  if (!inRange(tm)) throw defer("strftime of fields out of their usual range");
  const out = render(tm);
  // C strftime returns 0 for an empty result, which jq reports as a failure.
  if (out === "") throw defer("strftime with an empty result");
  return out;
}

/** Emscripten's strptime builds an anchored, case-insensitive regex from the format; these are its patterns. */
const STRPTIME: Readonly<Record<string, string>> = {
  Y: "\\d\\d\\d\\d",
  m: "0[1-9]|[1-9](?!\\d)|10|11|12",
  d: "0[1-9]|[1-9](?!\\d)|1\\d|2\\d|30|31",
  H: "\\d(?!\\d)|[0,1]\\d|20|21|22|23",
  M: "0\\d|\\d(?!\\d)|[1-5]\\d",
  S: "0\\d|\\d(?!\\d)|[1-5]\\d|60",
};

function strptimeRegex(format: string): { regex: RegExp; order: string[] } | null {
  if (!/^[A-Za-z0-9%:\-.,/_+T ]*$/.test(format) || /\s/.test(format)) return null;
  const parts = parseFormat(format, STRPTIME);
  if (parts === null) return null;
  const order: string[] = [];
  let source = "^";
  for (const part of parts) {
    if (typeof part === "string") source += part.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    else {
      order.push(part.directive);
      source += `(${STRPTIME[part.directive] ?? ""})`;
    }
  }
  if (!["Y", "m", "d"].every((d) => order.includes(d))) return null;
  return { regex: new RegExp(source, "i"), order };
}

/** Milliseconds of a UTC date (Date.UTC would read years 0-99 as 1900-1999). */
function utcMs(year: number, mon: number, mday: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, mon, mday);
  return d.getTime();
}

function daysInMonth(year: number, mon: number): number {
  return new Date(utcMs(year, mon + 1, 0)).getUTCDate();
}

function strptime(x: Json, format: Json, parsers: (format: string) => ReturnType<typeof strptimeRegex>): Json {
  if (typeof x !== "string") throw jqError(`strptime/1 requires string inputs and arguments`);
  if (typeof format !== "string") throw jqError(`strptime/1 requires string inputs and arguments`);
  const compiled = parsers(format);
  if (compiled === null) throw defer(`strptime format ${format}`);
  const m = compiled.regex.exec(x);
  const rest = m === null ? "" : x.slice(m[0].length);
  if (m === null || (rest !== "" && !/^[ \t\n\v\f\r]/.test(rest))) {
    throw jqError(`date "${cString(x)}" does not match format "${cString(format)}"`);
  }
  const value = (d: string): number => {
    const i = compiled.order.indexOf(d);
    return i < 0 ? 0 : Number(m[i + 1]);
  };
  const year = value("Y");
  const mon = value("m") - 1;
  const mday = value("d");
  const sec = value("S");
  if (mday > daysInMonth(year, mon) || sec === 60) throw defer("strptime of a date that needs normalising");
  const tm = breakDown(utcMs(year, mon, mday) / 1000);
  return [year, mon, mday, value("H"), value("M"), sec, tm.wday, tm.yday];
}

function withFormat(
  makeImpl: () => (x: Json, format: Json) => Json,
  known: Readonly<Record<string, unknown>>,
  name: string,
): Builtin {
  return (args, context) => {
    const impl = makeImpl();
    // A literal format is checked now, so that an unsupported directive sends the expression to jq-wasm for good.
    const literal = args[0]?.constant;
    if (typeof literal === "string" && parseFormat(literal, known) === null)
      throw new Unsupported(`${name} format ${literal}`);
    return withValues(impl)(args, context);
  };
}

const ISO = "%Y-%m-%dT%H:%M:%SZ";

function isoDate(): ReturnType<Builtin> {
  const formats = cached(renderer);
  return fromFn((x) => strftime(x, ISO, formats));
}

function fromIsoDate(): ReturnType<Builtin> {
  const parsers = cached(strptimeRegex);
  return fromFn((x) => mktime(strptime(x, ISO, parsers)));
}

export const DATE_BUILTINS: Readonly<Record<string, Builtin>> = {
  "gmtime/0": unary(gmtime),
  "mktime/0": unary(mktime),
  "strftime/1": withFormat(
    () => {
      const formats = cached(renderer);
      return (x, format) => strftime(x, format, formats);
    },
    STRFTIME,
    "strftime",
  ),
  "strptime/1": withFormat(
    () => {
      const parsers = cached(strptimeRegex);
      return (x, format) => strptime(x, format, parsers);
    },
    STRPTIME,
    "strptime",
  ),
  "todate/0": () => isoDate(),
  "todateiso8601/0": () => isoDate(),
  "fromdateiso8601/0": () => fromIsoDate(),
  "fromdate/0": () => fromIsoDate(),
  "date/0": () => isoDate(),
  "now/0": (_args, context) => fromFn(() => context.now()),
};
