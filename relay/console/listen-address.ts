import { isIP } from "node:net";

export const DEFAULT_LISTEN = "127.0.0.1:9464";

export type ListenAddress = { kind: "off" } | { kind: "listen"; host: string; port: number; loopback: boolean };

/**
 * `--listen` / `BBRELAY_LISTEN`: `HOST:PORT` (an IP address or `localhost`; IPv6 in brackets, `[::1]:9464`),
 * `:PORT` for loopback on that port, or `off`. The default, 127.0.0.1:9464, serves only this machine.
 * @returns the address, or the problem as text (the caller says which setting it came from)
 */
export function parseListenAddress(text: string): ListenAddress | { kind: "invalid"; problem: string } {
  const value = text.trim();
  if (value.toLowerCase() === "off") return { kind: "off" };
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (match === null)
    return { kind: "invalid", problem: `must be HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464) or off` };
  const host = match[1] ?? (match[2] === "" || match[2] === undefined ? "127.0.0.1" : match[2]);
  const port = Number(match[3]);
  if (port > 65_535) return { kind: "invalid", problem: `port ${port} is out of range (0-65535)` };
  if (host !== "localhost" && isIP(host) === 0)
    return { kind: "invalid", problem: `${JSON.stringify(host)} is not an IP address (or localhost)` };
  return { kind: "listen", host, port, loopback: isLoopbackHost(host) };
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
