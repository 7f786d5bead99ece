/**
 * The shell's window decisions, as pure functions of what is open (main.ts and mainWindow.ts act on
 * them; the tests read them without Electron).
 *
 * The GPU host's hidden window is plumbing, not a window of the user's: Electron counts it, so
 * 'window-all-closed' never fires once it has started, and the shell decides on the main window's
 * own 'closed' instead.
 */
import type { QueueCounts } from '../main/contract/index.js';

export type WindowRole = 'main' | 'gpu-host';
export type MainWindowState = 'none' | 'loading' | 'hidden' | 'shown';
/** 'finishing': the user chose to finish the queue, then quit; the window is hidden meanwhile. */
export type QuitState = 'running' | 'asking' | 'finishing' | 'closing' | 'closed';

/** The windows that keep the app open: the user's, not the GPU host's. */
export function userWindows<W extends { role: WindowRole }>(windows: W[]): W[] {
  return windows.filter((win) => win.role !== 'gpu-host');
}

/**
 * A window of the user's has closed: on Windows and Linux the app quits with its last one (no
 * invisible process keeps the data folder locked); on macOS it stays in the Dock.
 */
export function afterWindowClosed(
  platform: NodeJS.Platform,
  remaining: Array<{ role: WindowRole }>,
): 'quit' | 'stay' {
  if (userWindows(remaining).length > 0 || platform === 'darwin') return 'stay';
  return 'quit';
}

export interface OpenDecision {
  /** What to do with the main window first. */
  window: 'create' | 'show' | 'focus' | 'wait';
  /** Send the paths now, or hold them until the window's page has loaded. */
  paths: 'send' | 'hold';
  /** Opening a file takes back "finish the queue, then quit". */
  cancelQuit: boolean;
}

/**
 * Files to open (second-instance, open-file, the menu) or the Dock icon clicked (no paths): before
 * the app is ready they wait for start-up; with no main window one opens and takes them once loaded;
 * a hidden one (finishing the queue) comes back; a loading one takes them when its page is there.
 */
export function onOpenRequest(ready: boolean, main: MainWindowState, quit: QuitState): OpenDecision {
  const cancelQuit = quit === 'finishing';
  if (!ready || quit === 'closing' || quit === 'closed')
    return { window: 'wait', paths: 'hold', cancelQuit: false };
  switch (main) {
    case 'none':
      return { window: 'create', paths: 'hold', cancelQuit };
    case 'loading':
      return { window: 'wait', paths: 'hold', cancelQuit };
    case 'hidden':
      return { window: 'show', paths: 'send', cancelQuit };
    case 'shown':
      return { window: 'focus', paths: 'send', cancelQuit };
  }
}

/**
 * The files quitting would leave waiting on this computer, worth asking about: running ones, and
 * queued ones unless paused. None while jobs run on a cluster: its workers carry on without the app.
 */
export function filesWaitingOnQuit(
  counts: Pick<QueueCounts, 'running' | 'queued' | 'paused'> | undefined,
  cluster: string | undefined,
): number {
  if (!counts || cluster) return 0;
  return counts.running + (counts.paused ? 0 : counts.queued);
}
