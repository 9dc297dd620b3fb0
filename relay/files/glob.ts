/**
 * Glob paths as Port's GitLab integration takes them (`**\/package.json`, `services/*\/openapi.yaml`): `*` and `?`
 * within one path segment, `**` as a whole segment for any number of folders (none included), `{a,b}`
 * alternatives and `[abc]` classes. Paths are compared from the repository root, without a leading `/`. Small on
 * purpose: the agent needs these rules only, and the bundle stays free of a matcher library's options.
 */

const GLOB_CHARS = /[*?{}[\]]/;

/** Whether the text uses glob syntax (otherwise it is a plain path, matched as it is). */
export function isGlob(text: string): boolean {
  return GLOB_CHARS.test(text);
}

/** @returns a test for whole paths */
export function compileGlob(glob: string): (path: string) => boolean {
  const pattern = new RegExp(`^${globSource(glob.replace(/^\/+/, ""))}$`, "u");
  return (path) => pattern.test(path);
}

function globSource(glob: string): string {
  const parts = glob.split("/");
  let out = "";
  parts.forEach((part, index) => {
    const last = index === parts.length - 1;
    if (part === "**") out += last ? ".*" : "(?:[^/]+/)*";
    else out += segmentSource(part) + (last ? "" : "/");
  });
  return out;
}

function segmentSource(segment: string): string {
  let out = "";
  for (let index = 0; index < segment.length; index++) {
    const char = segment[index] ?? "";
    if (char === "*") {
      out += "[^/]*";
    } else if (char === "?") {
      out += "[^/]";
    } else if (char === "{") {
      const close = segment.indexOf("}", index);
      if (close < 0) {
        out += "\\{";
        continue;
      }
      const choices = segment.slice(index + 1, close).split(",");
      out += `(?:${choices.map(segmentSource).join("|")})`;
      index = close;
    } else if (char === "[") {
      const close = segment.indexOf("]", index + 1);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      const body = segment
        .slice(index + 1, close)
        .replace(/^!/, "^")
        .replace(/\\/g, "\\\\");
      out += `[${body}]`;
      index = close;
    } else {
      out += char.replace(/[.+^$()|\\]/g, "\\$&");
    }
  }
  return out;
}
