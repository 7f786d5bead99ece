/**
 * The main process's side of a GPU host that runs in a window it owns (Electron's hidden window): a
 * WebSocket on 127.0.0.1 behind a random token that a GpuBackend's relay (./hostRelay.ts, `endpoint`
 * mode) connects to, relayed message by message to the page's port, as ./hostRelay.ts relays to
 * headless Chromium. The page says hello once, when it gets its port; every backend that connects
 * gets that hello first. One backend at a time: a new connection replaces the old one.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** The page's end, as the owner of the window adapts it (Electron: a MessagePortMain). */
export interface HostLink {
  send(message: ArrayBuffer): void;
  onMessage(listener: (message: ArrayBuffer) => void): void;
}

export class HostEndpoint {
  private link?: HostLink;
  private greeting?: ArrayBuffer;
  private backend?: WebSocket;

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
   * The page's port (a new window: the previous page is gone, and with it any request in flight, so
   * the connected backend is cut off and fails clearly instead of waiting).
   */
  attach(link: HostLink, onGreeting: (greeting: ArrayBuffer) => void): void {
    this.backend?.close(1011, 'the GPU host window was replaced');
    this.link = link;
    this.greeting = undefined;
    link.onMessage((message) => {
      if (this.link !== link) return;
      if (!this.greeting) {
        this.greeting = message;
        onGreeting(message);
      }
      this.backend?.send(message);
    });
  }

  async close(): Promise<void> {
    this.backend?.close();
    this.sockets.close();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private connect(socket: WebSocket): void {
    this.backend?.close(1000, 'another GPU backend connected');
    this.backend = socket;
    socket.binaryType = 'arraybuffer';
    if (this.greeting) socket.send(this.greeting);
    socket.on('message', (data: ArrayBuffer) => this.link?.send(data));
    socket.on('close', () => {
      if (this.backend === socket) this.backend = undefined;
    });
  }
}
