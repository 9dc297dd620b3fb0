import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "./config-error";

/**
 * An environment file (`--env-file FILE` or `BBRELAY_ENV_FILE`): plain `KEY=value` lines, as `npm start` writes for
 * its demo and as a service's environment file holds. No quoting and no expansion: the value is everything after
 * the first `=` (so a secret may contain `=`, `#` or quotes). Blank lines and lines starting with `#` are skipped.
 *
 * The real environment wins: a variable set (and not empty) in the process's environment keeps its value, as with
 * Node's own `--env-file`, so that one variable can be overridden for one command without editing the file.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * @param text the file's content
 * @param source how the user named the file, for messages: `--env-file (.tmp/demo/bbrelay.env)`
 * @returns the variables, in file order
 * @throws ConfigError naming every bad line at once
 */
export function parseEnvFile(text: string, source: string): Record<string, string> {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    const equals = line.indexOf("=");
    const name = equals < 0 ? line.trim() : line.slice(0, equals).trim();
    if (equals < 0 || !NAME.test(name)) {
      problems.push(
        `line ${index + 1}: must be KEY=value with a KEY of letters, digits and _ (got ${JSON.stringify(line.slice(0, 40))})`,
      );
      return;
    }
    values[name] = line.slice(equals + 1);
  });
  if (problems.length > 0) throw new ConfigError("environment", problems, source);
  return values;
}

/**
 * The environment a command reads: the process's, completed by the file that `--env-file` (first) or
 * `BBRELAY_ENV_FILE` names, if any.
 * @param flag the `--env-file` value, when given
 * @throws ConfigError when the file cannot be read or has a bad line, naming the flag or the variable
 */
export function withEnvFile(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  flag: string | undefined,
  readText: (path: string) => string = (path) => readFileSync(path, "utf8"),
): Readonly<Record<string, string | undefined>> {
  const given = flag ?? (env.BBRELAY_ENV_FILE === "" ? undefined : env.BBRELAY_ENV_FILE);
  if (given === undefined) return env;
  const path = resolve(cwd, given);
  const source = `${flag === undefined ? "BBRELAY_ENV_FILE" : "--env-file"} (${path})`;
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new ConfigError("environment", [`cannot be read (${code})`], source);
  }
  const merged: Record<string, string | undefined> = { ...parseEnvFile(text, source) };
  for (const [name, value] of Object.entries(env)) if (value !== undefined && value !== "") merged[name] = value;
  return merged;
}
