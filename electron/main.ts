/**
 * The Electron main process: thin glue between the OS (windows, menus, dialogs, notifications, file
 * association, single instance) and the app's services, which run in a utility process. Everything
 * with logic in it lives in a small module beside this one and is tested without Electron.
 */
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  protocol,
  screen,
  shell,
  type IpcMainInvokeEvent,
} from 'electron';
import { defaultDataDir } from '../main/appPaths.js';
import { IPC_EVENT_CHANNEL } from '../main/contract/index.js';
import { APP_VERSION } from '../main/version.js';
import { aboutText, menuTemplate } from './appMenu.js';
import { APP_FILES, APP_ROOTS } from './appFiles.js';
import { declareAppScheme, serveAppScheme } from './appProtocol.js';
import { describeAdapter, DESKTOP_CHANNELS, type ViewTab } from './desktopChannels.js';
import { GpuHost } from './gpuHost.js';
import { desktopIpcTable, registerIpcTable } from './ipcApi.js';
import { launchPaths } from './launchPaths.js';
import { NotificationPolicy, type Notice } from './notifications.js';
import { RecentItems } from './recentItems.js';
import { APP_ORIGIN, isAppUrl } from './security.js';
import { ServicesProcess } from './servicesProcess.js';
import { fitWindowState, loadWindowState, rememberWindowState } from './windowState.js';
import { hardenWindow, refusePermissions, SECURE_WEB_PREFERENCES } from './windows.js';

const APP_NAME = 'AIA Studio';
const WATCHED_NOTICE_PAUSE_MS = 4000;
const here = app.getAppPath();
const file = (name: keyof typeof APP_FILES) => join(here, APP_FILES[name]);

// Before 'ready': what Chromium reads at start-up. Hardware acceleration stays on (WebGPU and the
// viewer's WebGL2 need it) unless the user's driver is broken and they say so.
if (process.env.AIA_STUDIO_DISABLE_GPU === '1') app.disableHardwareAcceleration();
app.commandLine.appendSwitch('enable-unsafe-webgpu');
// Chromium's WebGPU on Linux runs on Vulkan, which is off by default there.
if (process.platform === 'linux') app.commandLine.appendSwitch('enable-features', 'Vulkan');
app.setName(APP_NAME);
// One folder isolates a whole run (the tests, a second profile): the services' data and the shell's.
const dataDir = defaultDataDir();
if (process.env.AIA_STUDIO_DATA) app.setPath('userData', join(dataDir, 'desktop'));
declareAppScheme(protocol);

let mainWindow: BrowserWindow | undefined;
/** Paths opened before the window could take them (macOS open-file before ready, a slow load). */
const pendingPaths: string[] = launchPaths(process.argv, process.cwd());
let quitState: 'running' | 'asking' | 'closing' | 'closed' = 'running';

if (!app.requestSingleInstanceLock()) {
  // Another AIA Studio is running: it gets our files (second-instance) and this one ends.
  app.exit(0);
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    openPaths(launchPaths(argv, cwd));
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('open-file', (event, path) => {
    event.preventDefault();
    openPaths([path]);
  });
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  refusePermissions();
  serveAppScheme(protocol, {
    renderer: join(here, APP_ROOTS.renderer),
    gpuHost: join(here, APP_ROOTS.gpuHost),
  });
  const recent = await RecentItems.open(join(app.getPath('userData'), 'recent.json'));
  const notices = new NotificationPolicy();
  let watchedTimer: NodeJS.Timeout | undefined;

  const gpu = new GpuHost({
    url: `${APP_ORIGIN}/gpu/host.html`,
    preload: file('gpuHostPreload'),
    onStatus: () => refreshMenu(),
  });

  const services = new ServicesProcess({
    entry: file('servicesEntry'),
    dataDir,
    // GPU jobs run in the hidden window's page rather than a headless Chromium of their own.
    gpuHost: await gpu.endpoint(),
    onEvent: (event, payload) => {
      mainWindow?.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
      const done = notices.onEvent(event, payload);
      if (done) notify(done);
      if (notices.watchedPending && !watchedTimer)
        watchedTimer = setTimeout(() => {
          watchedTimer = undefined;
          const watched = notices.takeWatched();
          if (watched) notify(watched);
        }, WATCHED_NOTICE_PAUSE_MS);
    },
    onFatal: (message) => {
      dialog.showErrorBox(`${APP_NAME} cannot run its services`, message);
      quitState = 'closed';
      app.quit();
    },
  });

  const trusted = (event: IpcMainInvokeEvent) =>
    mainWindow !== undefined &&
    event.sender === mainWindow.webContents &&
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

  function notify(notice: Notice): void {
    if (mainWindow?.isFocused() || !Notification.isSupported()) return;
    const shown = new Notification({ ...notice, silent: true });
    shown.on('click', () => mainWindow?.show());
    shown.show();
  }

  function send(channel: string, payload: unknown): void {
    mainWindow?.webContents.send(channel, payload);
  }

  async function choose(
    properties: Electron.OpenDialogOptions['properties'],
    title: string,
  ): Promise<string[]> {
    const options: Electron.OpenDialogOptions = {
      title,
      properties,
      filters: properties?.includes('openFile')
        ? [
            { name: 'FITS images', extensions: ['fits', 'fts', 'fit', 'fz', 'gz'] },
            { name: 'All files', extensions: ['*'] },
          ]
        : undefined,
    };
    const result = mainWindow
      ? await dialog.showOpenDialog(mainWindow, options)
      : await dialog.showOpenDialog(options);
    return result.canceled ? [] : result.filePaths;
  }

  async function addWatchFolder(): Promise<void> {
    const [dir] = await choose(['openDirectory'], 'Watch a folder for new AIA files');
    if (!dir) return;
    const settings = await services.call('getSettings', {});
    const defaults = settings.ok ? settings.result.defaultRecipe : {};
    let outputDir = defaults.outputDir;
    if (!outputDir) {
      [outputDir] = await choose(
        ['openDirectory', 'createDirectory'],
        'Where should the processed files go?',
      );
      if (!outputDir) return;
    }
    const added = await services.call('addWatchFolder', { dir, recipe: { ...defaults, outputDir } });
    if (!added.ok) dialog.showErrorBox('The folder cannot be watched', added.error.message);
    else send(DESKTOP_CHANNELS.showView, 'queue' satisfies ViewTab);
  }

  async function showAbout(): Promise<void> {
    const status = await gpu.probe();
    const versions = { app: APP_VERSION, ...process.versions } as Parameters<typeof aboutText>[0];
    await dialog.showMessageBox({
      type: 'info',
      title: `About ${APP_NAME}`,
      message: APP_NAME,
      detail: aboutText({ ...versions, app: APP_VERSION }, describeAdapter(status)),
    });
  }

  function refreshMenu(): void {
    const menu = Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        appName: APP_NAME,
        recent: recent.items,
        development: !app.isPackaged,
        actions: {
          openFiles: () => void choose(['openFile', 'multiSelections'], 'Open AIA files').then(openPaths),
          openFolder: () =>
            void choose(['openDirectory', 'multiSelections'], 'Open folders of AIA files').then(openPaths),
          addWatchFolder: () => void addWatchFolder(),
          openRecent: (path) => openPaths([path]),
          clearRecent: () => void recent.clear().then(refreshMenu),
          showView: (tab) => send(DESKTOP_CHANNELS.showView, tab),
          about: () => void showAbout(),
          gpuInfo: () =>
            void gpu.probe().then((status) =>
              dialog.showMessageBox({
                type: 'info',
                title: 'GPU adapter',
                message: describeAdapter(status),
              }),
            ),
        },
      }),
    );
    Menu.setApplicationMenu(menu);
  }

  openPaths = (paths: string[]) => {
    if (paths.length === 0) return;
    for (const path of paths) app.addRecentDocument(path);
    void recent.add(paths).then(refreshMenu);
    if (mainWindow && !mainWindow.webContents.isLoading()) send(DESKTOP_CHANNELS.openPaths, paths);
    else pendingPaths.push(...paths);
  };

  app.on('before-quit', (event) => {
    if (quitState === 'closed') return;
    event.preventDefault();
    if (quitState !== 'running') return;
    quitState = 'asking';
    void gracefulQuit(services, gpu).then((quit) => {
      quitState = quit ? 'closed' : 'running';
      if (quit) app.quit();
      // Closing the last window asked to quit; staying needs a window again.
      else if (!mainWindow) void openMainWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!mainWindow) void openMainWindow();
  });

  refreshMenu();
  await openMainWindow();
}

/** Replaced once the app is ready; until then paths wait for the window. */
let openPaths = (paths: string[]): void => {
  pendingPaths.push(...paths);
};

async function openMainWindow(): Promise<void> {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const state = fitWindowState(
    await loadWindowState(stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...state,
    title: APP_NAME,
    show: false,
    backgroundColor: '#111418',
    icon: file('windowIcon'),
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: file('mainPreload') },
  });
  mainWindow = win;
  hardenWindow(win, (url) => void shell.openExternal(url));
  rememberWindowState(win, stateFile);
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize();
    win.show();
  });
  win.webContents.on('did-finish-load', () => {
    const paths = pendingPaths.splice(0);
    if (paths.length) win.webContents.send(DESKTOP_CHANNELS.openPaths, paths);
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
  });
  await win.loadURL(`${APP_ORIGIN}/`);
}

/**
 * Quitting never loses work: the journal keeps every queued file. With files still queued or
 * running, the user picks: quit now (the file being processed finishes, the rest continue at the next
 * start), finish the queue first (the window goes, the process stays until the queue is empty), or
 * stay. Returns whether to quit.
 */
async function gracefulQuit(services: ServicesProcess, gpu: GpuHost): Promise<boolean> {
  const reply = await services.call('listJobs', { limit: 0 });
  const counts = reply.ok ? reply.result.counts : undefined;
  const waiting = counts ? counts.running + (counts.paused ? 0 : counts.queued) : 0;
  if (counts && waiting > 0) {
    const { response } = await dialog.showMessageBox({
      type: 'question',
      title: `Quit ${APP_NAME}`,
      message: `${counts.running} file(s) processing, ${counts.queued} queued.`,
      detail:
        'Quit now: the file being processed is finished first; queued files stay in the queue and continue when AIA Studio starts again.\n' +
        'Finish the queue: the window closes now and AIA Studio quits when the last file is done.',
      buttons: ['Quit Now', 'Finish the Queue, Then Quit', 'Cancel'],
      defaultId: 0,
      cancelId: 2,
    });
    if (response === 2) return false;
    if (response === 1) {
      for (const win of BrowserWindow.getAllWindows()) win.hide();
      await services.idle().catch(() => undefined);
    }
  }
  gpu.dispose();
  await services.close();
  return true;
}
