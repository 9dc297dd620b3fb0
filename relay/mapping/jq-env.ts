/**
 * What a mapping's `env` and `$ENV` hold. Ocean lets jq read the whole process environment by default
 * (`allow_environment_variables_jq_access`, port-api.md §6.5), and Port's Node binding blanks it. The agent's
 * environment holds its tokens, so a mapping sees only the variables `BBRELAY_JQ_ENV` names, and `{}` otherwise,
 * never jq-wasm's made-up Emscripten environment (`HOME=/home/web_user`).
 */

export type JqEnv = Readonly<Record<string, string>>;

/** `env` as a builtin or `$ENV`; not `.env`, `$env` or `environment` (fields and names of the user's own). */
const READS_ENV = /(?<![\w$.])env\b|\$ENV\b/;

/**
 * @param program a leaf's jq, after Port's quote rewrite
 * @param env the variables the mapping may read
 * @returns the program with `env` and `$ENV` bound to `env` when it reads them (Ocean's own prefix shape:
 *   `def env: …; … as $ENV | `); other programs are returned as they are, so they stay on the compiled engine
 */
export function bindJqEnv(program: string, env: JqEnv): string {
  if (!READS_ENV.test(program)) return program;
  const value = JSON.stringify(env);
  return `def env: ${value}; ${value} as $ENV | ${program}`;
}

/** `env.NAME`, `$ENV.NAME`, `env["NAME"]`, `$ENV["NAME"]`: the variables a leaf reads by name. */
const NAMED_READ = /(?:(?<![\w$.])env|\$ENV)\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*"([A-Za-z_]\w*)"\s*\])/g;

/** @returns the variable names a leaf reads by name through `env` or `$ENV`, in order, without repeats */
export function envNamesRead(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(NAMED_READ)) names.add(match[1] ?? match[2] ?? "");
  names.delete("");
  return [...names];
}
