/**
 * The main window's preload (sandboxed, context-isolated): the page gets `window.aiaStudio`, the
 * contract's AppBridge: the app API's transport (each command's Reply envelope, and its events) and
 * the desktop bridge (dropped files' paths, the shell's events, the GPU status). The renderer wraps it
 * in the contract's one typed client. Plain data crosses the context bridge, so nothing is lost (an
 * Error's own fields, such as an error's kind, would be). Bundled into one CommonJS file, since a
 * sandboxed preload can require nothing but 'electron'.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  checkDesktopEvent,
  DESKTOP_CHANNELS,
  DESKTOP_EVENT_NAMES,
  invalidRequest,
  IPC_EVENT_CHANNEL,
  IPC_PREFIX,
  isCommandName,
  type AppBridge,
  type DesktopEventName,
  type DesktopEvents,
  type GpuStatus,
  type Reply,
} from '../main/contract/index.js';

/**
 * The shell's events, held until the page listens: paths to open can arrive (a file association, a
 * second launch) before the page has mounted.
 */
const desktopListeners = new Map<DesktopEventName, Set<(payload: never) => void>>();
const heldEvents: { event: DesktopEventName; payload: unknown }[] = [];
for (const event of DESKTOP_EVENT_NAMES) {
  ipcRenderer.on(DESKTOP_CHANNELS[event], (_sender, raw: unknown) => {
    const payload = checkDesktopEvent(event, raw);
    if (payload === undefined) return;
    const listeners = desktopListeners.get(event);
    if (listeners?.size) for (const listener of listeners) listener(payload as never);
    else heldEvents.push({ event, payload });
  });
}

const bridge: AppBridge = {
  invoke: async (command, request) =>
    isCommandName(command)
      ? ((await ipcRenderer.invoke(`${IPC_PREFIX}${command}`, request)) as Reply<unknown>)
      : invalidRequest(`unknown command '${String(command)}'`),
  onEvent: (listener) => {
    const forward = (_sender: unknown, message: { event: string; payload: unknown }) =>
      listener(message.event, message.payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => void ipcRenderer.off(IPC_EVENT_CHANNEL, forward);
  },
  desktop: {
    pathForFile: (file) => webUtils.getPathForFile(file),
    on: <E extends DesktopEventName>(event: E, listener: (payload: DesktopEvents[E]) => void) => {
      let set = desktopListeners.get(event);
      if (!set) desktopListeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      for (const held of heldEvents.filter((h) => h.event === event)) {
        heldEvents.splice(heldEvents.indexOf(held), 1);
        listener(held.payload as DesktopEvents[E]);
      }
      return () => set.delete(listener as (payload: never) => void);
    },
    gpuStatus: (): Promise<GpuStatus> => ipcRenderer.invoke(DESKTOP_CHANNELS.gpuStatus),
  },
};

contextBridge.exposeInMainWorld('aiaStudio', bridge);
