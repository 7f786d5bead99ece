import { BrowserWindow, screen, shell } from 'electron';
import { DESKTOP_CHANNELS } from './desktopChannels.js';
import { APP_ORIGIN } from './security.js';
import type { MainWindowState } from './windowLifecycle.js';
import { fitWindowState, loadWindowState, rememberWindowState } from './windowState.js';
import { hardenWindow, SECURE_WEB_PREFERENCES } from './windows.js';

export interface MainWindowOptions {
  title: string;
  preload: string;
  icon: string;
  /** window-state.json in the shell's data folder. */
  stateFile: string;
  /** The window has closed (the shell decides whether the app quits). */
  onClosed: () => void;
}

/**
 * The app's one main window: opened from its saved place, showing the renderer at app://, and the
 * files to open, which wait until its page has loaded (an open-file before ready, a second instance
 * while the page loads).
 */
export class MainWindow {
  private win?: BrowserWindow;
  private readonly pending: string[] = [];

  constructor(private readonly options: MainWindowOptions) {}

  get state(): MainWindowState {
    const win = this.win;
    if (!win || win.isDestroyed()) return 'none';
    if (win.webContents.isLoading()) return 'loading';
    return win.isVisible() ? 'shown' : 'hidden';
  }

  /** The live window, for dialogs' parent and the IPC check of who asks. */
  get window(): BrowserWindow | undefined {
    return this.win && !this.win.isDestroyed() ? this.win : undefined;
  }

  send(channel: string, payload: unknown): void {
    this.window?.webContents.send(channel, payload);
  }

  /** Paths for the page now if it has loaded, else as soon as it has. */
  openPaths(paths: string[], now: boolean): void {
    if (paths.length === 0) return;
    if (now && this.state !== 'none' && this.state !== 'loading')
      this.send(DESKTOP_CHANNELS.openPaths, paths);
    else this.pending.push(...paths);
  }

  show(): void {
    const win = this.window;
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  hide(): void {
    this.window?.hide();
  }

  async open(): Promise<void> {
    const { stateFile } = this.options;
    const state = fitWindowState(
      await loadWindowState(stateFile),
      screen.getAllDisplays().map((d) => d.workArea),
    );
    const win = new BrowserWindow({
      ...state,
      title: this.options.title,
      show: false,
      backgroundColor: '#111418',
      icon: this.options.icon,
      webPreferences: {
        ...SECURE_WEB_PREFERENCES,
        // WebGPU is for the GPU host's window alone (Linux turns it on process-wide): the viewer
        // draws with WebGL2 and its page gets no WebGPU to misuse.
        disableBlinkFeatures: 'WebGPU',
        preload: this.options.preload,
      },
    });
    this.win = win;
    hardenWindow(win, (url) => void shell.openExternal(url));
    rememberWindowState(win, stateFile);
    win.once('ready-to-show', () => {
      if (state.maximized) win.maximize();
      win.show();
    });
    win.webContents.on('did-finish-load', () => {
      const paths = this.pending.splice(0);
      if (paths.length) win.webContents.send(DESKTOP_CHANNELS.openPaths, paths);
    });
    win.on('closed', () => {
      if (this.win !== win) return;
      this.win = undefined;
      this.options.onClosed();
    });
    await win.loadURL(`${APP_ORIGIN}/`).catch((error: unknown) => {
      if (!win.isDestroyed()) throw error; // closed while loading: nothing went wrong
    });
  }
}
