import type { FileResource } from "../../shared/mapping-config/schema";
import { compileGlob, isGlob } from "./glob";

/**
 * Which repository paths a `file` resource takes (its `files`, see the mapping schema): a glob or plain path on the
 * whole path, or, with `filenames`, a file name under a folder (`path`, itself a glob or a plain folder; empty for
 * the whole repository). A plain path without `filenames` names one file: it is read directly, no listing needed.
 */
export interface FilePattern {
  matches(path: string): boolean;
  /** The one path to read when no listing is needed, else null. */
  plainPath: string | null;
}

export function filePatternOf(files: FileResource["selector"]["files"]): FilePattern {
  const path = files.path.trim().replace(/^\/+/, "");
  if (files.filenames === undefined) {
    if (!isGlob(path)) return { matches: (candidate) => candidate === path, plainPath: path };
    return { matches: compileGlob(path), plainPath: null };
  }
  const names = files.filenames.map((name) => (isGlob(name) ? compileGlob(name) : (file: string) => file === name));
  const folder = path.replace(/\/+$/, "");
  const folderTest = isGlob(folder) ? compileGlob(folder) : null;
  // Under the folder at any depth, as Port's `filenames` search does.
  const inFolder =
    folder === ""
      ? () => true
      : folderTest !== null
        ? (parent: string) => ancestorsOf(parent).some(folderTest)
        : (parent: string) => parent === folder || parent.startsWith(`${folder}/`);
  return {
    matches(candidate) {
      const slash = candidate.lastIndexOf("/");
      const name = candidate.slice(slash + 1);
      const parent = slash < 0 ? "" : candidate.slice(0, slash);
      return names.some((test) => test(name)) && inFolder(parent);
    },
    plainPath: null,
  };
}

/** The file name of a path (`apps/web/package.json` → `package.json`). */
export function fileNameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `a/b/c` → `a`, `a/b`, `a/b/c`. */
function ancestorsOf(folder: string): string[] {
  const parts = folder.split("/");
  return parts.map((_part, index) => parts.slice(0, index + 1).join("/"));
}
