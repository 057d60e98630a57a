import { networkInterfaces } from "node:os";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import type { Config } from "../config/schema.ts";

// Which host names the board answers to, where a request came from, and whether it came over
// TLS. X-Forwarded-* headers are believed only with web.trustProxy: without a proxy in front,
// anyone could send them.

const loopbackNames = ["localhost", "127.0.0.1", "::1"];
const wildcardHosts = new Set(["0.0.0.0", "::", ""]);

/** The host names a request may name: web.host, web.hostnames, loopback, and this machine's addresses when bound to all. */
export function allowedHostNames(web: Config["web"]): Set<string> {
  const names = new Set<string>([...loopbackNames, ...web.hostnames.map(normaliseHost)]);
  if (wildcardHosts.has(web.host)) {
    // Listening on every address: staff may type any of this machine's own addresses. An IP
    // literal cannot be rebound by DNS, so these are as safe as the configured names.
    for (const list of Object.values(networkInterfaces())) {
      for (const entry of list ?? []) names.add(normaliseHost(entry.address));
    }
  } else {
    names.add(normaliseHost(web.host));
  }
  return names;
}

/** "Board.Example:8080" → "board.example", "[::1]:8080" → "::1". */
export function normaliseHost(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]") > 0 ? value.indexOf("]") : undefined);
  // A bare IPv6 address has several colons; only host:port has exactly one.
  if ((value.match(/:/g) ?? []).length === 1) return value.slice(0, value.indexOf(":"));
  return value.replace(/\.$/, "");
}

/** The host the browser asked for (X-Forwarded-Host only behind a trusted proxy). */
export function requestHost(c: Context, web: Config["web"]): string {
  const forwarded = web.trustProxy ? c.req.header("x-forwarded-host")?.split(",")[0]?.trim() : undefined;
  return forwarded || c.req.header("host") || "";
}

/** Whether the browser reached the board over https (only a trusted proxy can say so). */
export function isHttps(c: Context, web: Config["web"]): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  return web.trustProxy && c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

/** The client's address: the socket's, or the last hop the trusted proxy added. */
export function clientAddress(c: Context, web: Config["web"]): string {
  if (web.trustProxy) {
    const hops = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean);
    if (hops.length > 0) return hops.at(-1)!;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Refuses a request naming a host the board is not known by (421, a few words, nothing else):
 * a page on attacker.example whose name was re-pointed at 127.0.0.1 gets no data.
 */
export function hostCheck(web: Config["web"], log: (host: string) => void): MiddlewareHandler {
  const allowed = allowedHostNames(web);
  return async (c, next) => {
    const host = requestHost(c, web);
    if (!allowed.has(normaliseHost(host))) {
      log(host);
      return c.text("Misdirected Request: 此地址不是本看板的地址", 421, { "Cache-Control": "no-store" });
    }
    await next();
  };
}
