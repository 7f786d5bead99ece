import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, type IpcMainInvokeEvent } from 'electron';
import { IPC_EVENT_CHANNEL } from '../main/contract/index.js';
import { APP_FILES, APP_ROOTS } from './appFiles.js';
import { APP_NAME } from './appIdentity.js';
import { serveAppScheme } from './appProtocol.js';
import { DESKTOP_CHANNELS } from './desktopChannels.js';
import { DesktopNotifier } from './desktopNotifier.js';
import { GpuHost } from './gpuHost.js';
import { desktopIpcTable, registerIpcTable } from './ipcApi.js';
import { MainWindow } from './mainWindow.js';
import { QuitFlow } from './quitFlow.js';
import { RecentItems } from './recentItems.js';
import { APP_ORIGIN, isAppUrl } from './security.js';
import { ServicesProcess } from './servicesProcess.js';
import { ShellMenu } from './shellMenu.js';
import { afterWindowClosed, onOpenRequest } from './windowLifecycle.js';
import { refusePermissions } from './windows.js';

/**
 * The running desktop app, once Electron is ready: the services' process, the GPU host, the main
 * window, the menu, notifications and quitting, wired together. Each part is its own module; this one
 * only connects them and routes the OS's requests (open these files, the Dock icon, a closed window)
 * through windowLifecycle's decisions.
 */
export class DesktopShell {
  private constructor(
    private readonly main: MainWindow,
    private readonly gpu: GpuHost,
    private readonly recent: RecentItems,
    private readonly menu: ShellMenu,
    private readonly quit: QuitFlow,
  ) {}

  /** launched: the files the app was started with (argv, open-file before ready). */
  static async start(dataDir: string, launched: string[]): Promise<DesktopShell> {
    const root = app.getAppPath();
    const file = (name: keyof typeof APP_FILES) => join(root, APP_FILES[name]);
    refusePermissions();
    serveAppScheme(protocol, {
      renderer: join(root, APP_ROOTS.renderer),
      gpuHost: join(root, APP_ROOTS.gpuHost),
    });
    const recent = await RecentItems.open(join(app.getPath('userData'), 'recent.json'));

    // The parts call back into the shell (created below, before any of their events can come).
    const main = new MainWindow({
      title: APP_NAME,
      preload: file('mainPreload'),
      icon: file('windowIcon'),
      stateFile: join(app.getPath('userData'), 'window-state.json'),
      onClosed: () => shell.windowClosed(),
    });
    const gpu = new GpuHost({
      url: `${APP_ORIGIN}/gpu/host.html`,
      preload: file('gpuHostPreload'),
      onStatus: () => shell.menu.refresh(),
    });
    const notifier = new DesktopNotifier(
      () => main.window?.isFocused() ?? false,
      () => void shell.open([]).catch(reportOpenFailure),
    );
    const services = new ServicesProcess({
      entry: file('servicesEntry'),
      dataDir,
      // GPU jobs run in the hidden window's page rather than a headless Chromium of their own.
      gpuHost: await gpu.endpoint(),
      onEvent: (event, payload) => {
        main.send(IPC_EVENT_CHANNEL, { event, payload });
        notifier.onEvent(event, payload);
      },
      onFatal: (message) => {
        dialog.showErrorBox(`${APP_NAME} cannot run its services`, message);
        notifier.dispose();
        quit.quitNow();
      },
    });
    const quit = new QuitFlow({
      appName: APP_NAME,
      services,
      gpu,
      hideWindows: () => main.hide(),
      restoreWindow: () => void shell.open([]).catch(reportOpenFailure),
    });
    const menu = new ShellMenu({
      appName: APP_NAME,
      recent,
      gpu,
      services,
      window: () => main.window,
      send: (channel, payload) => main.send(channel, payload),
      openPaths: (paths) => void shell.open(paths).catch(reportOpenFailure),
    });
    const shell = new DesktopShell(main, gpu, recent, menu, quit);

    const trusted = (event: IpcMainInvokeEvent) =>
      main.window !== undefined &&
      event.sender === main.window.webContents &&
      isAppUrl(event.senderFrame?.url ?? '');
    registerIpcTable(
      ipcMain,
      desktopIpcTable((command, request) => services.call(command, request)),
      trusted,
    );
    ipcMain.handle(DESKTOP_CHANNELS.gpuStatus, (event) => {
      if (!trusted(event)) throw new Error('refused');
      return gpu.probe();
    });

    app.on('before-quit', (event) => quit.onBeforeQuit(event));
    // The GPU host's hidden window keeps Electron's count above zero: the main window's 'closed'
    // decides instead (windowClosed). Listening here keeps Electron's own quit-on-last-window out.
    app.on('window-all-closed', () => undefined);
    app.on('activate', () => void shell.open([]).catch(reportOpenFailure));

    menu.refresh();
    await shell.open(launched);
    return shell;
  }

  /**
   * Files to open (a launch, a second instance, open-file, the menu) or just the window (none);
   * resolves once a window it had to open has loaded.
   */
  async open(paths: string[]): Promise<void> {
    const decision = onOpenRequest(true, this.main.state, this.quit.state);
    if (decision.cancelQuit) this.quit.cancelFinishing();
    if (paths.length) {
      for (const path of paths) app.addRecentDocument(path);
      void this.recent.add(paths).then(() => this.menu.refresh());
    }
    this.main.openPaths(paths, decision.paths === 'send');
    if (decision.window === 'create') await this.main.open();
    else if (decision.window === 'show' || decision.window === 'focus') this.main.show();
  }

  private windowClosed(): void {
    const remaining = BrowserWindow.getAllWindows().map((win) => ({
      role: this.gpu.owns(win) ? ('gpu-host' as const) : ('main' as const),
    }));
    if (afterWindowClosed(process.platform, remaining) === 'quit') app.quit();
  }
}

/** A window that could not open its page: said, and the app goes on (the next request tries again). */
export function reportOpenFailure(error: unknown): void {
  dialog.showErrorBox(
    `${APP_NAME} could not open its window`,
    error instanceof Error ? error.message : String(error),
  );
}
