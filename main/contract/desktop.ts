/**
 * The desktop shell's side of the contract: the IPC channels, the events the shell sends the page
 * (menu actions, files to open) and what the preload exposes as `window.aiaStudio`. Types and names
 * only, so the sandboxed preload's bundle and the renderer take them without any implementation.
 */
import type { ApiTransport } from './client.js';

/** Electron IPC of the app API: one channel per command (`aia:<command>`), one for all events. */
export const IPC_PREFIX = 'aia:';
export const IPC_EVENT_CHANNEL = 'aia:event';

/** IPC channels of the desktop shell beside the app API's: menu actions and the GPU status. */
export const DESKTOP_CHANNELS = {
  /** main → page: paths to add to the Batch view (menu Open, file association, second launch). */
  openPaths: 'desktop:open-paths',
  /** main → page: the View menu's choice. */
  showView: 'desktop:show-view',
  /** main → page: the menu's Settings… (where jobs run). */
  showSettings: 'desktop:show-settings',
  /** page → main: what the GPU host found. */
  gpuStatus: 'desktop:gpu-status',
  /** main → GPU host window: its end of the message channel. */
  gpuPort: 'desktop:gpu-port',
} as const;

/** The renderer's views, in the order of their tabs and of Alt+1…6. */
export const VIEW_TABS = ['batch', 'queue', 'watch', 'compare', 'performance', 'qa'] as const;
export type ViewTab = (typeof VIEW_TABS)[number];

/** What the shell tells the page. */
export interface DesktopEvents {
  /** Files or folders to add to the Batch view (File › Open, a file association, a second launch). */
  openPaths: string[];
  /** The View menu's choice. */
  showView: ViewTab;
  /** The menu's Settings…: open the Settings dialog. */
  showSettings: true;
}
export type DesktopEventName = keyof DesktopEvents;
export const DESKTOP_EVENT_NAMES = [
  'openPaths',
  'showView',
  'showSettings',
] as const satisfies readonly DesktopEventName[];

/** A desktop event's payload if it has the contract's shape; undefined for anything else. */
export function checkDesktopEvent<E extends DesktopEventName>(
  event: E,
  payload: unknown,
): DesktopEvents[E] | undefined {
  const ok =
    event === 'openPaths'
      ? Array.isArray(payload) && payload.every((p) => typeof p === 'string' && p !== '')
      : event === 'showSettings'
        ? payload === true
        : VIEW_TABS.includes(payload as ViewTab);
  return ok ? (payload as DesktopEvents[E]) : undefined;
}

/** The GPU host's state as the UI shows it. */
export type GpuStatus =
  | { state: 'not-started' | 'starting' }
  | { state: 'ready'; adapter: GpuAdapterSummary }
  | { state: 'unavailable'; reason: string };

export interface GpuAdapterSummary {
  /** The API the page's kernels run on. */
  mode: 'webgpu' | 'webgl2';
  /** A CPU emulation (SwiftShader, llvmpipe): right answers, no speed. */
  software: boolean;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** WebGPU features the adapter offers (e.g. shader-f16, timestamp-query). */
  features: string[];
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

/** The desktop-only part of `window.aiaStudio`; the renderer works without it (web mode). */
export interface DesktopBridge {
  /** A dropped file's path on this computer (Electron's webUtils.getPathForFile); '' if it has none. */
  pathForFile(file: File): string;
  /** Events the shell sends; one that came before anyone listened is delivered on subscribing. */
  on<E extends DesktopEventName>(event: E, listener: (payload: DesktopEvents[E]) => void): () => void;
  gpuStatus(): Promise<GpuStatus>;
}

/** `window.aiaStudio`, as the desktop preload exposes it: the app API's transport and the desktop bridge. */
export interface AppBridge extends ApiTransport {
  desktop: DesktopBridge;
}
