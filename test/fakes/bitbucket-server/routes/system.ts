import { ok } from "../rest-errors";
import type { Route, RouteContext } from "./route-context";

/** `application-properties`: readable anonymously; the version is what clients use to pick webhook scopes. */
function applicationProperties(ctx: RouteContext) {
  const [major = 0, minor = 0, patch = 0] = ctx.settings.version
    .split(".")
    .map((part) => Number.parseInt(part, 10) || 0);
  const buildNumber = String(major * 1_000_000 + minor * 1_000 + patch);
  return ok({ version: ctx.settings.version, buildNumber, buildDate: "1747730324792", displayName: "Bitbucket" });
}

export const systemRoutes: Route[] = [
  { method: "GET", pattern: "application-properties", handler: applicationProperties },
];
