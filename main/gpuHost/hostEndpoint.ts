/**
 * The main process's side of a GPU host that runs in a window it owns (Electron's hidden window): a
 * WebSocket on 127.0.0.1 behind a random token that GpuBackends' relays (./hostRelay.ts, `endpoint`
 * mode) connect to, relayed message by message to the page's port, as ./hostRelay.ts relays to
 * headless Chromium. The page greets once, when it gets its port (hello, or an error saying why it
 * has no GPU); every backend that connects gets that greeting first. Several backends may share the
 * page (the queue opens one per backend choice): each request's id is swapped for one unique on the
 * page, and the page's reply goes back to its backend under its own id. The page answers in order,
 * one request at a time; OTF handles are unique per backend already (main/engine/compute/gpu/gpuBackend.ts).
 *
 * When the page is lost (its window crashed, hung or was replaced) the backends' sockets are closed
 * with PAGE_REPLACED and the reason: their relays connect again and wait for the next page's greeting
 * (or the refusal, when the owner gives the window up), and the request each had in flight fails
 * saying why, as when the CLI's relay restarts its Chromium.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeMessage, ERROR, idOf, OP, setId } from '../engine/compute/gpu/protocol.js';

/** The page's end, as the owner of the window adapts it (Electron: a MessagePortMain). */
export interface HostLink {
  send(message: ArrayBuffer): void;
  onMessage(listener: (message: ArrayBuffer) => void): void;
}

/**
 * The close code (WebSocket's "service restart") that tells a backend's relay the page behind the
 * endpoint is gone: connect again for the next page's greeting. The close reason says why.
 */
export const PAGE_REPLACED = 1012;
/** A close frame's reason holds at most this many bytes. */
const CLOSE_REASON_BYTES = 123;

export class HostEndpoint {
  private link?: HostLink;
  private greeting?: ArrayBuffer;
  private readonly backends = new Set<WebSocket>();
  /** Requests on the page: the id it knows → the backend and the backend's own id. */
  private readonly inFlight = new Map<number, { socket: WebSocket; id: number }>();
  private nextId = 1;

  private constructor(
    private readonly server: Server,
    private readonly sockets: WebSocketServer,
    /** ws://127.0.0.1:PORT/TOKEN: what a GpuBackend takes as HostOptions.endpoint. */
    readonly url: string,
    onConnect: () => void,
  ) {
    sockets.on('connection', (socket) => {
      this.connect(socket);
      onConnect();
    });
  }

  /** Listens; `onConnect` runs when a backend connects (the owner starts its window then). */
  static async open(onConnect: () => void = () => undefined): Promise<HostEndpoint> {
    const token = randomBytes(16).toString('hex');
    const server = createServer((_request, response) => response.writeHead(404).end());
    const sockets = new WebSocketServer({ server, path: `/${token}`, maxPayload: 2 ** 31 - 1 });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    return new HostEndpoint(server, sockets, `ws://127.0.0.1:${port}/${token}`, onConnect);
  }

  /**
   * The page's port. A new window replacing a page that was not reported lost takes that page's
   * requests with it (see lost); backends waiting for a first greeting just get this page's.
   */
  attach(link: HostLink, onGreeting: (greeting: ArrayBuffer) => void): void {
    if (this.link) this.lost('the GPU host window was replaced');
    this.link = link;
    this.greeting = undefined;
    link.onMessage((message) => {
      if (this.link !== link) return;
      if (!this.greeting) {
        this.greeting = message;
        onGreeting(message);
        for (const socket of this.backends) socket.send(message);
        return;
      }
      const to = this.inFlight.get(idOf(message));
      if (!to) return;
      this.inFlight.delete(idOf(message));
      setId(message, to.id);
      to.socket.send(message);
    });
  }

  /**
   * The window cannot run the page (it did not load, or kept crashing): connected backends (sent to
   * connect again, see lost) and those that connect later get this reason as the greeting, instead of
   * waiting out their timeout or retrying forever.
   */
  refuse(reason: string): void {
    this.lost(reason);
    this.greeting = encodeMessage(OP.error, 0, [ERROR.failed], [new TextEncoder().encode(reason)]);
  }

  /**
   * The page is gone (its renderer died or hung): the requests on it will not be answered, so the
   * backends are sent to connect again now, and the next page's greeting (or a refusal) decides how
   * the request each had in flight fails.
   */
  lost(reason: string): void {
    this.link = undefined;
    this.greeting = undefined;
    this.inFlight.clear();
    let said = reason;
    while (Buffer.byteLength(said) > CLOSE_REASON_BYTES) said = said.slice(0, -1);
    for (const socket of this.backends) socket.close(PAGE_REPLACED, said);
  }

  async close(): Promise<void> {
    for (const socket of this.backends) socket.close();
    this.sockets.close();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private connect(socket: WebSocket): void {
    this.backends.add(socket);
    socket.binaryType = 'arraybuffer';
    if (this.greeting) socket.send(this.greeting);
    socket.on('message', (data: ArrayBuffer) => {
      const id = this.nextId++;
      this.inFlight.set(id, { socket, id: idOf(data) });
      setId(data, id);
      this.link?.send(data);
    });
    socket.on('close', () => this.backends.delete(socket));
  }
}
