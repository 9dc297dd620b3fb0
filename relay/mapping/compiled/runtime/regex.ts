import { defer } from "./signals";

/**
 * Translates an Oniguruma (Perl_NG syntax, as jq uses it) pattern to a JavaScript one, for the subset where the
 * two engines are known to agree on ASCII text: literals, `.`, `^`, `$`, classes of ASCII characters and ranges,
 * `\d \w \s \b` and their negations, groups (plain, non-capturing, named), alternation and greedy or lazy
 * quantifiers on anything but a capturing group. Callers only run it on ASCII input, where `\d`, `\w`, `\s`,
 * `\b` and case folding mean the same in both. Anything else returns null and is left to jq-wasm.
 */
export function translateRegex(pattern: string): { source: string; groups: (string | null)[] } | null {
  if (!/^[\x20-\x7e]*$/.test(pattern)) return null;
  const groups: (string | null)[] = [];
  let out = "";
  let i = 0;
  // For each open group: whether it captures, or contains a group that does.
  const stack: { capturing: boolean; containsCapture: boolean }[] = [];
  let lastAtomCapturing = false;
  let canQuantify = false;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i] ?? "";
    if (c === "\\") {
      const e = pattern[i + 1];
      if (e === undefined) return null;
      if ("dDwWsS".includes(e)) out += `\\${e}`;
      else if (e === "b" || e === "B") {
        out += `\\${e}`;
        i += 2;
        canQuantify = false;
        continue;
      } else if (e === "t") out += "\\t";
      else if (e === "n") out += "\\n";
      else if (e === "r") out += "\\r";
      else if ("\\.^$|?*+()[]{}/-".includes(e)) out += `\\${e}`;
      else return null;
      i += 2;
      canQuantify = true;
      lastAtomCapturing = false;
      continue;
    }
    if (c === ".") {
      out += "[^\\n]";
      i++;
      canQuantify = true;
      lastAtomCapturing = false;
      continue;
    }
    if (c === "^") {
      out += "^";
      i++;
      canQuantify = false;
      continue;
    }
    if (c === "$") {
      // Perl's `$`: the end, or just before a final newline.
      out += "(?=\\n?$)";
      i++;
      canQuantify = false;
      continue;
    }
    if (c === "[") {
      const cls = translateClass(pattern, i);
      if (cls === null) return null;
      out += cls.source;
      i = cls.end;
      canQuantify = true;
      lastAtomCapturing = false;
      continue;
    }
    if (c === "(") {
      if (pattern.startsWith("(?:", i)) {
        out += "(?:";
        i += 3;
        stack.push({ capturing: false, containsCapture: false });
      } else if (pattern.startsWith("(?<", i) && /^[A-Za-z_]/.test(pattern[i + 3] ?? "")) {
        const m = /^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
        if (m === null || m[1] === undefined || groups.includes(m[1])) return null;
        groups.push(m[1]);
        out += m[0];
        i += m[0].length;
        stack.push({ capturing: true, containsCapture: false });
      } else if (pattern[i + 1] === "?") {
        return null;
      } else {
        groups.push(null);
        out += "(";
        i++;
        stack.push({ capturing: true, containsCapture: false });
      }
      canQuantify = false;
      continue;
    }
    if (c === ")") {
      const open = stack.pop();
      if (open === undefined) return null;
      out += ")";
      i++;
      canQuantify = true;
      // Oniguruma and JavaScript report a capture inside a repeated group differently when it repeats zero
      // times, so no group that captures (or contains a capture) may be quantified.
      lastAtomCapturing = open.capturing || open.containsCapture;
      const parent = stack[stack.length - 1];
      if (parent !== undefined && lastAtomCapturing) parent.containsCapture = true;
      continue;
    }
    if (c === "|") {
      out += "|";
      i++;
      canQuantify = false;
      continue;
    }
    if (c === "*" || c === "+" || c === "?" || c === "{") {
      if (!canQuantify || lastAtomCapturing) return null;
      let q = c;
      if (c === "{") {
        const m = /^\{(\d+)(,(\d+)?)?\}/.exec(pattern.slice(i));
        if (m === null) return null;
        q = m[0];
      }
      i += q.length;
      const next = pattern[i];
      if (next === "+") return null; // possessive: not in JavaScript
      if (next === "?") {
        q += "?";
        i++;
      }
      out += q;
      canQuantify = false;
      continue;
    }
    if (c === "]" || c === "}") return null;
    out += /[A-Za-z0-9 ]/.test(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
    i++;
    canQuantify = true;
    lastAtomCapturing = false;
  }
  if (stack.length > 0) return null;
  return { source: out, groups };
}

function translateClass(pattern: string, start: number): { source: string; end: number } | null {
  let i = start + 1;
  let out = "[";
  if (pattern[i] === "^") {
    out += "^";
    i++;
  }
  let first = true;
  while (i < pattern.length) {
    const c = pattern[i] ?? "";
    if (c === "]" && !first) return { source: `${out}]`, end: i + 1 };
    if (c === "[" || c === "&") return null;
    if (c === "\\") {
      const e = pattern[i + 1];
      if (e === undefined) return null;
      if ("dDwWsS".includes(e)) out += `\\${e}`;
      else if ("\\]^-[".includes(e)) out += `\\${e}`;
      else if (e === "t") out += "\\t";
      else if (e === "n") out += "\\n";
      else return null;
      i += 2;
      first = false;
      continue;
    }
    if (c === "]") return null;
    if (c === "-" && !first && pattern[i + 1] !== "]") {
      out += "-";
      i++;
      continue;
    }
    out += /[A-Za-z0-9 ]/.test(c) ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
    i++;
    first = false;
  }
  return null;
}

const ASCII = /^[\x00-\x7f]*$/;

/** The regex text was checked; its input must be ASCII for the two engines to agree. */
export function requireAscii(text: string): void {
  if (!ASCII.test(text)) throw defer("a regular expression on non-ASCII text");
}
