import { createAppApi, type ApiTransport, type AppApi } from './client.js';
import type { CommandName } from './commands.js';
import { ApiError, type Reply } from './errors.js';
import { decodeBinaryFrame } from './wireFormat.js';

/** The part of the WebSocket API the client uses: the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

export interface ApiClient extends AppApi {
  close(): void;
}

const closed = (message: string): Reply<never> => ({ ok: false, error: { message, kind: 'closed' } });

/**
 * The app API over the local server's WebSocket (web mode, scripts): text {id, command, request} out,
 * text {id, reply} or a binary frame (wireFormat.ts) back, and {event, payload} pushed. Resolves once
 * the socket is open; its calls behave as the desktop's (createAppApi).
 */
export async function connectApi(socket: WebSocketLike): Promise<ApiClient> {
  socket.binaryType = 'arraybuffer';
  const waiting = new Map<number, (reply: Reply<unknown>) => void>();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  let nextId = 1;
  socket.onmessage = ({ data }: { data: unknown }) => {
    if (data instanceof ArrayBuffer) {
      const { header, pixels } = decodeBinaryFrame<{ id: number; meta: unknown }>(data);
      waiting.get(header.id)?.({ ok: true, result: { meta: header.meta, pixels } });
      waiting.delete(header.id);
      return;
    }
    const message = JSON.parse(String(data)) as {
      id?: number;
      reply?: Reply<unknown>;
      event?: string;
      payload?: unknown;
    };
    if (message.event !== undefined) {
      for (const listener of listeners) listener(message.event, message.payload);
      return;
    }
    waiting.get(message.id!)?.(message.reply ?? closed('no reply'));
    waiting.delete(message.id!);
  };
  socket.onclose = () => {
    for (const answer of waiting.values()) answer(closed('the connection to AIA Studio closed'));
    waiting.clear();
  };
  await new Promise<void>((open, failed) => {
    socket.onopen = () => open();
    socket.onerror = () => failed(new ApiError('cannot connect to AIA Studio', 'closed'));
  });
  const transport: ApiTransport = {
    invoke: (command: CommandName, request: unknown) =>
      new Promise((answer) => {
        if (socket.readyState !== 1) return answer(closed('the connection to AIA Studio closed'));
        const id = nextId++;
        waiting.set(id, answer);
        socket.send(JSON.stringify({ id, command, request }));
      }),
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { ...createAppApi(transport), close: () => socket.close() };
}
