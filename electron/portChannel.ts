/**
 * Request/reply and events over one message port, for the two helper processes of the shell: the
 * services' utility process and the hidden GPU host window. Electron's MessagePortMain, its
 * utility-process parent port and the DOM's MessagePort each deliver messages differently, so each
 * end adapts its port to PortLike and the rest is shared.
 */
export interface PortLike {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

type Wire =
  | { kind: 'request'; id: number; body: unknown }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; message: string }
  | { kind: 'event'; event: string; payload: unknown };

export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

/** The asking end: every request gets its reply or, when the peer dies, the reason it never will. */
export class RequestChannel {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closedBy?: Error;

  constructor(
    private readonly port: PortLike,
    onEvent: (event: string, payload: unknown) => void = () => undefined,
  ) {
    port.onMessage((message) => {
      const wire = message as Wire;
      if (wire?.kind === 'event') onEvent(wire.event, wire.payload);
      if (wire?.kind !== 'reply') return;
      const waiter = this.pending.get(wire.id);
      this.pending.delete(wire.id);
      if (wire.ok) waiter?.resolve(wire.value);
      else waiter?.reject(new Error(wire.message));
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Answer: what the peer's handler answers this body with (the protocol's, not checked here). */
  request<Answer = unknown>(body: unknown): Promise<Answer> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage({ kind: 'request', id, body } satisfies Wire);
    });
  }

  /** The peer is gone (crashed, closed): every waiting request fails now, later ones at once. */
  close(reason: Error): void {
    this.closedBy = reason;
    for (const waiter of this.pending.values()) waiter.reject(reason);
    this.pending.clear();
  }
}

/** The answering end: runs each request through handle; a throw becomes a failed reply, never a hang. */
export function answerRequests(
  port: PortLike,
  handle: (body: unknown) => Promise<unknown>,
): { emit(event: string, payload: unknown): void } {
  port.onMessage((message) => {
    const wire = message as Wire;
    if (wire?.kind !== 'request') return;
    handle(wire.body).then(
      (value) => port.postMessage({ kind: 'reply', id: wire.id, ok: true, value } satisfies Wire),
      (error: unknown) =>
        port.postMessage({
          kind: 'reply',
          id: wire.id,
          ok: false,
          message: error instanceof Error ? error.message : String(error),
        } satisfies Wire),
    );
  });
  return { emit: (event, payload) => port.postMessage(eventMessage(event, payload)) };
}

/** An event as it travels (the services' bootstrap sends one before any channel exists). */
export function eventMessage(event: string, payload: unknown): unknown {
  return { kind: 'event', event, payload } satisfies Wire;
}
