/** The webhook scope (project or repository hooks) cannot be chosen: the server's version is not a version number. */
export class ScopeModeError extends Error {
  override readonly name = "ScopeModeError";
  readonly kind = "unparsable-version" as const;
}
