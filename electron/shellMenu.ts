import { app, dialog, Menu, type BrowserWindow, type OpenDialogOptions } from 'electron';
import { APP_VERSION } from '../main/version.js';
import { aboutText, menuTemplate } from './appMenu.js';
import { describeAdapter, DESKTOP_CHANNELS, type ViewTab } from './desktopChannels.js';
import type { GpuHost } from './gpuHost.js';
import type { RecentItems } from './recentItems.js';
import type { ServicesProcess } from './servicesProcess.js';

export interface ShellMenuOptions {
  appName: string;
  recent: RecentItems;
  gpu: GpuHost;
  services: ServicesProcess;
  /** The main window, as dialogs' parent, if there is one. */
  window: () => BrowserWindow | undefined;
  send: (channel: string, payload: unknown) => void;
  openPaths: (paths: string[]) => void;
}

const FITS_FILTERS = [
  { name: 'FITS images', extensions: ['fits', 'fts', 'fit', 'fz', 'gz'] },
  { name: 'All files', extensions: ['*'] },
];

/** The application menu and what its items do (open dialogs, watch a folder, About, the GPU). */
export class ShellMenu {
  constructor(private readonly options: ShellMenuOptions) {}

  /** Builds the menu again (recent items or the GPU status changed). */
  refresh(): void {
    const { appName, recent, openPaths, send } = this.options;
    const menu = Menu.buildFromTemplate(
      menuTemplate({
        platform: process.platform,
        appName,
        recent: recent.items,
        development: !app.isPackaged,
        actions: {
          openFiles: () =>
            void this.choose(['openFile', 'multiSelections'], 'Open AIA files').then(openPaths),
          openFolder: () =>
            void this.choose(['openDirectory', 'multiSelections'], 'Open folders of AIA files').then(
              openPaths,
            ),
          addWatchFolder: () => void this.addWatchFolder(),
          openRecent: (path) => openPaths([path]),
          clearRecent: () => void recent.clear().then(() => this.refresh()),
          showView: (tab) => send(DESKTOP_CHANNELS.showView, tab),
          settings: () => send(DESKTOP_CHANNELS.showSettings, true),
          about: () => void this.showAbout(),
          gpuInfo: () => void this.showGpu(),
        },
      }),
    );
    Menu.setApplicationMenu(menu);
  }

  private async choose(properties: OpenDialogOptions['properties'], title: string): Promise<string[]> {
    const options: OpenDialogOptions = {
      title,
      properties,
      filters: properties?.includes('openFile') ? FITS_FILTERS : undefined,
    };
    const parent = this.options.window();
    const result = parent
      ? await dialog.showOpenDialog(parent, options)
      : await dialog.showOpenDialog(options);
    return result.canceled ? [] : result.filePaths;
  }

  private async addWatchFolder(): Promise<void> {
    const { services, send } = this.options;
    const [dir] = await this.choose(['openDirectory'], 'Watch a folder for new AIA files');
    if (!dir) return;
    const settings = await services.call('getSettings', {});
    const defaults = settings.ok ? settings.result.defaultRecipe : {};
    let outputDir = defaults.outputDir;
    if (!outputDir) {
      [outputDir] = await this.choose(
        ['openDirectory', 'createDirectory'],
        'Where should the processed files go?',
      );
      if (!outputDir) return;
    }
    const added = await services.call('addWatchFolder', { dir, recipe: { ...defaults, outputDir } });
    if (!added.ok) dialog.showErrorBox('The folder cannot be watched', added.error.message);
    else send(DESKTOP_CHANNELS.showView, 'watch' satisfies ViewTab);
  }

  private async showAbout(): Promise<void> {
    const { appName, gpu } = this.options;
    const status = await gpu.probe();
    const versions = { ...process.versions, app: APP_VERSION } as Parameters<typeof aboutText>[0];
    await dialog.showMessageBox({
      type: 'info',
      title: `About ${appName}`,
      message: appName,
      detail: aboutText(versions, describeAdapter(status)),
    });
  }

  private async showGpu(): Promise<void> {
    const status = await this.options.gpu.probe();
    await dialog.showMessageBox({ type: 'info', title: 'GPU adapter', message: describeAdapter(status) });
  }
}
