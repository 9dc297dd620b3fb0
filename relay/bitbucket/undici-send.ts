import { Agent, type Dispatcher, interceptors, request } from "undici";
import { type Exchange, readCappedText, type Send } from "./http-exchange";

/**
 * The transport's default way to send: undici's `request`, the library under Node's `fetch` without the WHATWG
 * layer (Request/Response objects, web streams). Measured against the fake Bitbucket, 8 in flight, on Node 20:
 * about 250 µs of CPU a request instead of 420 for `fetch` (node:http with a keep-alive agent: 350). Kept the same
 * as `fetch` where it shows: redirects followed (at most 20, as fetch; undici drops the Authorization header when
 * one leaves the origin, as fetch does), keep-alive connections, errors with the socket's code (`ECONNREFUSED`, `UND_ERR_SOCKET`).
 * Unlike `fetch` it asks for no compression: Bitbucket's JSON is sent as is (the agent and Bitbucket are usually close).
 */

/** One pool of connections for the process, as `fetch` has; idle sockets do not keep the process alive. */
let shared: Dispatcher | null = null;

function dispatcher(): Dispatcher {
  shared ??= new Agent().compose(interceptors.redirect({ maxRedirections: 20 }));
  return shared;
}

export const undiciSend: Send = async (input) => {
  const response = await request(input.url, {
    method: input.method as Dispatcher.HttpMethod,
    headers: input.headers,
    body: input.body,
    signal: input.signal,
    dispatcher: dispatcher(),
  });
  const { body } = response;
  const exchange: Exchange = {
    status: response.statusCode,
    headers: toHeaders(response.headers),
    text: () => body.text(),
    readText: (maxBytes) => readCappedText(body, maxBytes),
    discard: async () => {
      await body.dump();
    },
  };
  return exchange;
};

function toHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (typeof value === "string") headers.append(name, value);
    else for (const one of value) headers.append(name, one);
  }
  return headers;
}
