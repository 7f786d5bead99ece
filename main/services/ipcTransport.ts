import {
  COMMAND_NAMES,
  IPC_EVENT_CHANNEL,
  IPC_PREFIX,
  type AppEvents,
  type AppHandlers,
  type Reply,
} from '../contract/index.js';
import { dispatchCommand } from './commandDispatch.js';
import type { TypedEvents } from './typedEvents.js';

/**
 * The Electron transport without Electron: a table of channel → handler for the shell to register
 * (`for (const [channel, handle] of Object.entries(table)) ipcMain.handle(channel, (_e, r) => handle(r))`).
 * Each handler runs the contract's validator, then the command, and answers with the Reply envelope;
 * pixels travel as Float32Array (structured clone).
 */
export function ipcHandlerTable(
  handlers: AppHandlers,
): Record<string, (request: unknown) => Promise<Reply<unknown>>> {
  return Object.fromEntries(
    COMMAND_NAMES.map((name) => [
      `${IPC_PREFIX}${name}`,
      (request: unknown) => dispatchCommand(handlers, name, request),
    ]),
  );
}

/** Sends every event to a window (`(channel, message) => win.webContents.send(channel, message)`). */
export function forwardEvents(
  events: TypedEvents<AppEvents>,
  send: (channel: string, message: { event: string; payload: unknown }) => void,
): () => void {
  return events.onAny((event, payload) => send(IPC_EVENT_CHANNEL, { event: String(event), payload }));
}
