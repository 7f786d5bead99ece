import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import {
  COMMAND_NAMES,
  IPC_PREFIX,
  validateRequest,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type Reply,
} from '../main/contract/index.js';

/** Runs a checked command wherever the services live (the utility process) and answers its Reply. */
export type ForwardCommand = <K extends CommandName>(
  command: K,
  request: CommandRequest<K>,
) => Promise<Reply<CommandResponse<K>>>;

/**
 * The desktop's IPC handler table: channel → handler, one per command of the contract, each running
 * the contract's validator in the main process before forwarding, so a malformed request from a page
 * never reaches the services' process. No Electron import, so the contract test runs it as is.
 */
export function desktopIpcTable(
  forward: ForwardCommand,
): Record<string, (request: unknown) => Promise<Reply<unknown>>> {
  return Object.fromEntries(
    COMMAND_NAMES.map((command) => [
      `${IPC_PREFIX}${command}`,
      async (request: unknown): Promise<Reply<unknown>> => {
        const valid = validateRequest(command, request);
        return valid.ok ? forward(valid.command, valid.request) : valid;
      },
    ]),
  );
}

/**
 * Registers the table on ipcMain. Only frames showing the app's own pages may call: a page the
 * window was somehow navigated to (navigation is blocked, this is the second lock) gets nothing.
 */
export function registerIpcTable(
  ipcMain: IpcMain,
  table: Record<string, (request: unknown) => Promise<unknown>>,
  trusted: (event: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const [channel, handle] of Object.entries(table)) {
    ipcMain.handle(channel, (event, request: unknown) => {
      if (!trusted(event)) throw new Error(`${channel} refused: the caller is not an AIA Studio page`);
      return handle(request);
    });
  }
  return () => Object.keys(table).forEach((channel) => ipcMain.removeHandler(channel));
}
