/** One line of `bbrelay doctor`: what was checked, how it went, and what to do when it did not go well. */
export interface CheckResult {
  /** `bitbucket.credentials`, `catalog.writable`, `edge.webhooks` … */
  name: string;
  status: "ok" | "warn" | "fail";
  message: string;
  /** What to do about it (for `warn` and `fail`). */
  fix?: string;
}

export function ok(name: string, message: string): CheckResult {
  return { name, status: "ok", message };
}

export function fail(name: string, message: string, fix: string): CheckResult {
  return { name, status: "fail", message, fix };
}

export function warn(name: string, message: string, fix: string): CheckResult {
  return { name, status: "warn", message, fix };
}
