import type { AppEvents, CommandName, CommandRequest, CommandResponse, EventName } from './commands.js';
import { isCommandName, isEventName } from './commands.js';
import { ApiError, type Reply } from './errors.js';

/**
 * What a transport gives the client: a command's Reply envelope, and every pushed event. The desktop
 * preload (Electron IPC) and the web client (the local server's WebSocket) are the two; both hand over
 * plain data, so nothing is lost crossing Electron's context bridge (an Error's own fields would be).
 */
export interface ApiTransport {
  invoke(command: CommandName, request: unknown): Promise<Reply<unknown>>;
  /** Every event, by name; returns the unsubscribe. */
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
}

/** The app API as its callers see it: typed commands (failures throw an ApiError with its kind) and events. */
export interface AppApi {
  call<K extends CommandName>(command: K, request: CommandRequest<K>): Promise<CommandResponse<K>>;
  on<E extends EventName>(event: E, listener: (payload: AppEvents[E]) => void): () => void;
}

/** THE typed client, over any transport: one behaviour (error kinds kept) for the desktop and the web. */
export function createAppApi(transport: ApiTransport): AppApi {
  const listeners = new Map<string, Set<(payload: never) => void>>();
  let unsubscribe: (() => void) | undefined;
  const dispatch = (event: string, payload: unknown) => {
    for (const listener of listeners.get(event) ?? []) listener(payload as never);
  };
  return {
    async call(command, request) {
      if (!isCommandName(command))
        throw new ApiError(`unknown command '${String(command)}'`, 'invalid-request');
      const reply = await transport.invoke(command, request);
      if (!reply.ok) throw new ApiError(reply.error.message, reply.error.kind);
      return reply.result as CommandResponse<typeof command>;
    },
    on(event, listener) {
      if (!isEventName(event)) throw new ApiError(`unknown event '${String(event)}'`, 'invalid-request');
      unsubscribe ??= transport.onEvent(dispatch);
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
}
