/** Why the console cannot listen: the port is taken, the address is not this machine's, or ports need privileges. */
export type ListenErrorKind = "in-use" | "not-local" | "permission" | "other";

export class ListenError extends Error {
  override readonly name = "ListenError";
  constructor(
    readonly kind: ListenErrorKind,
    message: string,
  ) {
    super(message);
  }
}
