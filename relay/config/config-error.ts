/**
 * Configuration problems, all of them at once, each with its dot-path: thrown by the loaders of the environment,
 * the mapping and the blueprints. The CLI maps it to exit 2 (relay/cli/errors.ts); nothing here knows of the CLI.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly exitCode = 2;
  constructor(
    readonly problems: readonly string[],
    source = "configuration",
  ) {
    super(
      `${source} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}
