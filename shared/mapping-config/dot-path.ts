/**
 * Dot-paths name a place in the mapping file in every problem and warning, the way users read YAML:
 * `resources[2].port.entity.mappings.properties.created_on`.
 */

const PLAIN_KEY = /^[A-Za-z_$@=-][A-Za-z0-9_$@=-]*$/;

/**
 * @param path the segments (object keys and array indexes), outermost first
 * @returns the dot-path; keys that are not plain words are written `["a.b"]`
 */
export function formatDotPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      if (PLAIN_KEY.test(key)) out += out === "" ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === "" ? "(top level)" : out;
}
