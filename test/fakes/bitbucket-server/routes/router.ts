import { contentRoutes } from "./content";
import { projectRoutes } from "./projects";
import { pullRequestRoutes } from "./pull-requests";
import type { Route } from "./route-context";
import { systemRoutes } from "./system";
import { userRoutes } from "./users";
import { webhookRoutes } from "./webhooks";

/** Every REST route of the fake, matched on decoded path segments after `/rest/api/{1.0|latest}/`. */

const ROUTES: readonly Route[] = [
  ...systemRoutes,
  ...webhookRoutes,
  ...contentRoutes,
  ...pullRequestRoutes,
  ...userRoutes,
  ...projectRoutes,
];

export type RouteMatch =
  | { result: "matched"; route: Route; params: Record<string, string> }
  | { result: "method-not-allowed" }
  | { result: "not-found" };

export function matchRoute(method: string, segments: readonly string[]): RouteMatch {
  let pathMatched = false;
  for (const route of ROUTES) {
    const params = matchPattern(route.pattern.split("/"), segments);
    if (params === null) continue;
    if (route.method === method) return { result: "matched", route, params };
    pathMatched = true;
  }
  return pathMatched ? { result: "method-not-allowed" } : { result: "not-found" };
}

function matchPattern(pattern: readonly string[], segments: readonly string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i] ?? "";
    if (part.startsWith("*")) {
      if (i >= segments.length) return null;
      params[part.slice(1)] = segments.slice(i).join("/");
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return null;
    if (part.startsWith(":")) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return pattern.length === segments.length ? params : null;
}
