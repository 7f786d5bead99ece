import type { AppApi } from '../../../main/contract/index.js';
import { connectApi, type WebSocketLike } from '../../../main/contract/webSocketClient.js';

/**
 * The app API over the local server of `aia-studio serve`: the contract's WebSocket client, on one
 * socket that carries commands, events and binary pixel replies. The token comes from the page URL
 * (?token=…), which the server prints when it starts.
 */
export function webClient(location: Location = window.location): AppApi {
  const token = pageToken(location) ?? '';
  const url = `${location.origin.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`;
  const client = connectApi(new WebSocket(url) as unknown as WebSocketLike);
  return {
    call: async (command, request) => (await client).call(command, request),
    on: (event, listener) => {
      let off: (() => void) | undefined;
      let cancelled = false;
      void client.then((c) => {
        if (!cancelled) off = c.on(event, listener);
      });
      return () => {
        cancelled = true;
        off?.();
      };
    },
  };
}

/** The local server's HTTP API (POST <base><command>), where a worker fetches binary replies itself. */
export interface HttpApi {
  base: string;
  /** The page URL's token; without it the cookie set when the page was opened with one serves. */
  token?: string;
}

export function httpApi(location: Location = window.location): HttpApi {
  return { base: `${location.origin}/api/`, token: pageToken(location) };
}

const pageToken = (location: Location) => new URLSearchParams(location.search).get('token') ?? undefined;
