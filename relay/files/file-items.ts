import type { FileResource } from "../../shared/mapping-config/schema";
import type { RepositoryWire } from "../bitbucket/schema";
import type { Json } from "../mapping/engine";
import { fileNameOf, filePatternOf } from "./file-pattern";
import type { StoredRead } from "./file-store";
import { parseFile } from "./parse-file";
import { type RepositoryFiles, repositoryName, type Tip } from "./repository-files";

/**
 * The items of the `file` kind, shaped as Port's Bitbucket Cloud integration gives them, so that its mappings work
 * here: `.content` (the parsed JSON or YAML, or the text), `.metadata` (`path`, `name`, `size` in bytes, `commit`
 * with `id` and `hash`), `.repo` (the repository as Bitbucket Server lists it) and `.branch` (the default branch).
 * A YAML file with several documents gives one item per document. A file that cannot be mapped (it does not parse,
 * it is binary or too large) gives no item and a warning naming it.
 */

/** A file that gave no item, and why: `P001/repo/apps/web/package.json: not valid JSON (…)`. */
export type FileWarningSink = (file: string, message: string) => void;

/** Items of every file of the repository the resource takes, at the default branch's tip. */
export async function fileItemsOf(
  repository: RepositoryWire,
  resource: FileResource,
  files: RepositoryFiles,
  onWarning: FileWarningSink,
): Promise<Json[]> {
  const tip = await files.tip(repository);
  if (tip === null) return [];
  const pattern = filePatternOf(resource.selector.files);
  const paths =
    pattern.plainPath !== null
      ? [pattern.plainPath]
      : (await files.paths(repository, tip.commit)).filter(pattern.matches);
  const reads = await Promise.all(
    paths.map(async (path) => ({ path, read: await files.read(repository, tip.commit, path) })),
  );
  return reads.flatMap(({ path, read }) =>
    itemsOfFile(repository, tip, path, read, resource.selector.files.skipParsing, onWarning),
  );
}

/** The items one file gives (none when absent or not mappable). */
export function itemsOfFile(
  repository: RepositoryWire,
  tip: Tip,
  path: string,
  read: StoredRead,
  skipParsing: boolean,
  onWarning: FileWarningSink,
): Json[] {
  const file = `${repositoryName(repository)}/${path}`;
  switch (read.kind) {
    case "absent":
      return [];
    case "binary":
      onWarning(file, "a binary file: only JSON, YAML and text files are mapped");
      return [];
    case "too-large":
      onWarning(file, `larger than ${read.maxBytes} bytes (limits.maxFileBytes): not read`);
      return [];
    case "text": {
      const parsed = parseFile(path, read.text, skipParsing);
      if (parsed.kind === "invalid") {
        onWarning(file, parsed.reason);
        return [];
      }
      const metadata = {
        path,
        name: fileNameOf(path),
        size: Buffer.byteLength(read.text),
        commit: { id: tip.commit, hash: tip.commit },
      };
      return parsed.documents.map((content) => ({ content, metadata, repo: repository, branch: tip.branch }));
    }
  }
}

/** Whether the repository is one of `repos` (slug, name, or `PROJECT/slug`); every repository when unset. */
export function inRepos(repos: readonly string[] | undefined, repository: RepositoryWire): boolean {
  if (repos === undefined) return true;
  const full = repositoryName(repository).toLowerCase();
  return repos.some((entry) => {
    const wanted = entry.toLowerCase();
    return wanted === repository.slug || wanted === repository.name?.toLowerCase() || wanted === full;
  });
}
