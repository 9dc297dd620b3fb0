import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";

export const SESSION_COOKIE = "bbrelay_console";

/**
 * With BBRELAY_CONSOLE_TOKEN set, every page and action asks for it (`/healthz` and `/readyz` excepted: supervisors
 * and load balancers probe them): `Authorization: Bearer TOKEN` (Prometheus, curl), or the cookie `/login` sets
 * for a browser. The cookie holds a hash of the token, never the token itself.
 */
export function consoleAuth(token: string | null): MiddlewareHandler {
  return async (c, next) => {
    if (token === null || isOpenPath(c.req.path) || isAuthorized(c, token)) return next();
    if (c.req.method === "GET" && acceptsHtml(c))
      return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
    return c.json({ error: "unauthorized: send Authorization: Bearer <BBRELAY_CONSOLE_TOKEN>" }, 401, {
      "www-authenticate": 'Bearer realm="bbrelay"',
    });
  };
}

export function sessionValue(token: string): string {
  return createHash("sha256").update(`bbrelay-console\u0000${token}`).digest("hex");
}

export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function isAuthorized(c: Context, token: string): boolean {
  const header = c.req.header("authorization");
  if (header?.startsWith("Bearer ") === true && sameSecret(header.slice(7).trim(), token)) return true;
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie !== undefined && sameSecret(cookie, sessionValue(token));
}

function isOpenPath(path: string): boolean {
  return path === "/healthz" || path === "/readyz" || path === "/login";
}

function acceptsHtml(c: Context): boolean {
  return (c.req.header("accept") ?? "").includes("text/html");
}
