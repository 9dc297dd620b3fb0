import type { Json } from "../../engine";
import { type Builtin, type Compiled, type Env, fromFn, fromGen } from "../compiled-types";
import { add } from "../runtime/arithmetic";
import { type JsonObject, setField } from "../runtime/objects";
import { requireAscii, translateRegex } from "../runtime/regex";
import { defer, jqError } from "../runtime/signals";
import { describeValue, kindName } from "../runtime/text";
import { Unsupported } from "../unsupported";
import { each } from "./helpers";

interface CompiledRegex {
  regex: RegExp;
  groups: (string | null)[];
  global: boolean;
}

/** Compiled patterns, per engine (the cache lives in the closure of each compiled call, never at module level). */
type RegexCompiler = (pattern: Json, flags: Json, input?: Json) => CompiledRegex;

function regexCache(): RegexCompiler {
  const cache = new Map<string, CompiledRegex>();
  return (pattern, flags, input?: Json) => {
    // jq checks the input first, then the regex, then the flags.
    if (input !== undefined && typeof input !== "string")
      throw jqError(`${describeValue(input)} cannot be matched, as it is not a string`);
    if (typeof pattern !== "string") throw jqError(`${describeValue(pattern)} is not a string`);
    if (flags !== null && typeof flags !== "string") throw jqError(`${describeValue(flags)} is not a string`);
    const key = `${flags ?? ""}\u0000${pattern}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let global = false;
    let insensitive = false;
    for (const f of flags ?? "") {
      if (f === "g") global = true;
      else if (f === "i") insensitive = true;
      else if ("xnslp".includes(f)) throw defer(`regex flag ${f}`);
      else throw jqError(`${flags ?? ""} is not a valid modifier string`);
    }
    const translated = translateRegex(pattern);
    if (translated === null) throw defer(`regex ${pattern} outside the verified subset`);
    const compiled = {
      regex: new RegExp(translated.source, `gd${insensitive ? "i" : ""}`),
      groups: translated.groups,
      global,
    };
    if (cache.size > 256) cache.clear();
    cache.set(key, compiled);
    return compiled;
  };
}

function capture(offset: number, text: string | undefined, name: string | null): JsonObject {
  if (text === undefined) return { offset: -1, string: null, length: 0, name };
  if (text === "") return { offset, string: "", length: 0, name };
  return { offset, length: text.length, string: text, name };
}

/** jq's `_match_impl` (f_match) on ASCII input: offsets in code points equal UTF-16 offsets there. */
function matchAll(input: Json, re: CompiledRegex, test: boolean): Json {
  if (typeof input !== "string") throw jqError(`${describeValue(input)} cannot be matched, as it is not a string`);
  requireAscii(input);
  const { regex, groups, global } = re;
  const results: Json[] = [];
  let start = 0;
  do {
    regex.lastIndex = start;
    const m = regex.exec(input);
    if (m === null) break;
    if (test) return true;
    const at = m.index;
    if (m[0] === "") {
      results.push({ offset: at, length: 0, string: "", captures: groups.map((name) => capture(at, "", name)) });
      start = at + 1;
      continue;
    }
    const captures = groups.map((name, i) => capture(m.indices?.[i + 1]?.[0] ?? -1, m[i + 1], name));
    results.push({ offset: at, length: m[0].length, string: m[0], captures });
    start = at + m[0].length;
  } while (global && start <= input.length);
  return test ? false : results;
}

/** `f(re)` with one argument: a string, or an array of the regex and its flags. */
function splitArg(value: Json): [Json, Json] {
  if (typeof value === "string") return [value, null];
  if (Array.isArray(value) && value.length > 1) return [value[0] ?? null, value[1] ?? null];
  if (Array.isArray(value) && value.length > 0) return [value[0] ?? null, null];
  throw jqError(`${kindName(value)} not a string or array`);
}

function captureObject(match: Json): JsonObject {
  const out: JsonObject = {};
  const captures = (match as { captures: { name: string | null; string: Json }[] }).captures;
  for (const c of captures) if (c.name !== null) setField(out, c.name, c.string);
  return out;
}

/**
 * A literal regex or flags outside the verified subset send the whole expression to jq-wasm at compile time
 * (`bbrelay map --explain` then says why); patterns computed from data are checked when they are used.
 */
function checkConstants(pattern: Compiled | undefined, flags: Compiled | undefined): void {
  const re = pattern?.constant;
  if (typeof re === "string" && translateRegex(re) === null)
    throw new Unsupported(`regex ${JSON.stringify(re)} outside the verified subset`);
  const f = flags?.constant;
  if (typeof f === "string" && /[xnslp]/.test(f)) throw new Unsupported(`regex flags ${JSON.stringify(f)}`);
}

/** Builds a regex builtin whose regex and flags are `$`-parameters (one or two arguments). */
function regexBuiltin(
  run: (input: Json, re: CompiledRegex, emit: (v: Json) => void) => void,
  arity: 1 | 2,
  wrap: (c: RegexCompiler) => RegexCompiler = (c) => c,
): Builtin {
  return (args) => {
    const compile = wrap(regexCache());
    const [reArg, flagsArg] = args;
    if (reArg === undefined) throw new Error("regex builtin without its argument");
    checkConstants(reArg, flagsArg);
    return fromGen((x, env, emit) =>
      each(reArg, x, env, (re) => {
        if (arity === 1) {
          const [pattern, flags] = splitArg(re);
          run(x, compile(pattern, flags, x), emit);
        } else if (flagsArg !== undefined) {
          each(flagsArg, x, env, (flags) => run(x, compile(re, flags, x), emit));
        }
      }),
    );
  };
}

function single(run: (input: Json, re: CompiledRegex) => Json, arity: 1 | 2): Builtin {
  const builtin = regexBuiltin((input, re, emit) => emit(run(input, re)), arity);
  return (args, context) => {
    const gen = builtin(args, context);
    if (args.every((a) => a.fn !== null)) {
      return fromFn((x, env) => {
        let out: Json = null;
        gen.gen(x, env, (v) => {
          out = v;
        });
        return out;
      });
    }
    return gen;
  };
}

function scan(x: Json, re: CompiledRegex, emit: (v: Json) => void): void {
  for (const m of matchAll(x, re, false) as { string: Json; captures: { string: Json }[] }[]) {
    emit(m.captures.length > 0 ? m.captures.map((c) => c.string) : m.string);
  }
}

/** `split($re; flags)`: the pieces between the matches (jq pairs up match boundaries with `_nwise(2)`). */
function splitRegex(x: Json, re: CompiledRegex): Json {
  const matches = matchAll(x, re, false) as { offset: number; length: number }[];
  const text = x as string;
  const bounds = [0, ...matches.flatMap((m) => [m.offset, m.offset + m.length]), text.length];
  const out: Json[] = [];
  for (let i = 0; i < bounds.length; i += 2)
    out.push(text.slice(bounds[i] ?? 0, Math.max(bounds[i] ?? 0, bounds[i + 1] ?? 0)));
  return out;
}

/** `"g" + $flags` as jq computes it (null flags give "g"; other types raise jq's addition error). */
function withGlobal(compile: RegexCompiler): RegexCompiler {
  return (pattern, flags, input) => compile(pattern, add("g", flags), input);
}

/** jq's `sub`: gaps and replacements joined; the replacement sees the named captures as an object. */
function substitute(input: Json, re: CompiledRegex, replacement: Compiled, env: Env): Json {
  const matches = matchAll(input, re, false) as Json[];
  if (matches.length === 0) return input;
  const text = input as string;
  let result: Json = null;
  let previous = 0;
  for (const match of matches) {
    const m = match as { offset: number; length: number };
    const gap = text.slice(previous, Math.max(previous, m.offset));
    const insert = replacement.fn === null ? null : replacement.fn(captureObject(match), env);
    result = add(result, add(gap, insert));
    previous = m.offset + m.length;
  }
  return add(result, text.slice(previous));
}

function subBuiltin(flagsFor: (flags: Json) => Json, withFlags: boolean): Builtin {
  return (args) => {
    const compile = regexCache();
    const [reArg, replacement, flagsArg] = args;
    if (reArg === undefined || replacement === undefined) throw new Error("sub without its arguments");
    checkConstants(reArg, flagsArg);
    if (replacement.fn === null) throw new Unsupported("sub/gsub with a replacement that has several outputs");
    const run = (x: Json, env: Env, re: Json, flags: Json, emit: (v: Json) => void): void => {
      const result = substitute(x, compile(re, flagsFor(flags), x), replacement, env);
      emit(result === null || result === false ? x : result);
    };
    return fromGen((x, env, emit) =>
      each(reArg, x, env, (re) => {
        if (withFlags && flagsArg !== undefined) each(flagsArg, x, env, (flags) => run(x, env, re, flags, emit));
        else run(x, env, re, null, emit);
      }),
    );
  };
}

export const REGEX_BUILTINS: Readonly<Record<string, Builtin>> = {
  "test/1": single((x, re) => matchAll(x, re, true), 1),
  "test/2": single((x, re) => matchAll(x, re, true), 2),
  "match/1": regexBuiltin(
    (x, re, emit) =>
      (matchAll(x, re, false) as Json[]).forEach((m) => {
        emit(m);
      }),
    1,
  ),
  "match/2": regexBuiltin(
    (x, re, emit) =>
      (matchAll(x, re, false) as Json[]).forEach((m) => {
        emit(m);
      }),
    2,
  ),
  "capture/1": regexBuiltin(
    (x, re, emit) =>
      (matchAll(x, re, false) as Json[]).forEach((m) => {
        emit(captureObject(m));
      }),
    1,
  ),
  "capture/2": regexBuiltin(
    (x, re, emit) =>
      (matchAll(x, re, false) as Json[]).forEach((m) => {
        emit(captureObject(m));
      }),
    2,
  ),
  "sub/2": subBuiltin((f) => f ?? "", false),
  "sub/3": subBuiltin((f) => f, true),
  "gsub/2": subBuiltin(() => "g", false),
  "gsub/3": subBuiltin((f) => add(f, "g"), true),
  "scan/1": (args, context) => REGEX_BUILTINS["scan/2"]?.([...args, fromFn(() => null)], context) ?? fromFn(() => null),
  "scan/2": regexBuiltin((x, re, emit) => scan(x, re, emit), 2, withGlobal),
  "split/2": regexBuiltin((x, re, emit) => emit(splitRegex(x, re)), 2, withGlobal),
};
