import { basename } from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { VIEW_TABS, type ViewTab } from './desktopChannels.js';

export interface MenuActions {
  openFiles(): void;
  openFolder(): void;
  addWatchFolder(): void;
  openRecent(path: string): void;
  clearRecent(): void;
  showView(tab: ViewTab): void;
  settings(): void;
  about(): void;
  gpuInfo(): void;
}

export interface MenuInput {
  platform: NodeJS.Platform;
  appName: string;
  recent: string[];
  /** Reload and developer tools only when not packaged. */
  development: boolean;
  actions: MenuActions;
}

const VIEW_LABELS: Record<ViewTab, string> = {
  batch: 'Batch',
  queue: 'Queue',
  watch: 'Watch',
  compare: 'Compare',
  performance: 'Performance',
  qa: 'QA',
};

/**
 * The application menu. The View items show the renderer's own Alt+1…6 keys without registering them
 * (registerAccelerator: false), so the keys still reach the page, which handles them.
 */
export function menuTemplate({
  platform,
  appName,
  recent,
  development,
  actions,
}: MenuInput): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: `About ${appName}`, click: () => actions.about() };
  // where jobs run (this computer or a cluster): the app menu on macOS, File elsewhere
  const settings: MenuItemConstructorOptions = {
    label: 'Settings…',
    accelerator: 'CmdOrCtrl+,',
    click: () => actions.settings(),
  };
  const recentMenu: MenuItemConstructorOptions[] = [
    ...recent.map((path) => ({
      label: basename(path),
      sublabel: path,
      toolTip: path,
      click: () => actions.openRecent(path),
    })),
    ...(recent.length ? [{ type: 'separator' as const }] : []),
    { label: 'Clear Recent', enabled: recent.length > 0, click: () => actions.clearRecent() },
  ];
  return [
    ...(mac
      ? [
          {
            label: appName,
            submenu: [
              about,
              { type: 'separator' },
              settings,
              { type: 'separator' },
              { role: 'services' },
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open Files…', accelerator: 'CmdOrCtrl+O', click: () => actions.openFiles() },
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.openFolder() },
        { label: 'Open Recent', submenu: recentMenu },
        { type: 'separator' },
        {
          label: 'Add Watch Folder…',
          accelerator: 'CmdOrCtrl+Shift+W',
          click: () => actions.addWatchFolder(),
        },
        { type: 'separator' },
        ...(mac ? [] : [settings, { type: 'separator' as const }]),
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        ...VIEW_TABS.map((tab, i) => ({
          label: VIEW_LABELS[tab],
          accelerator: `Alt+${i + 1}`,
          registerAccelerator: false,
          click: () => actions.showView(tab),
        })),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(development
          ? [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]
          : []),
      ],
    },
    ...(mac ? [{ role: 'windowMenu' } satisfies MenuItemConstructorOptions] : []),
    {
      role: 'help',
      submenu: [
        { label: 'GPU Adapter…', click: () => actions.gpuInfo() },
        ...(mac ? [] : [{ type: 'separator' as const }, about]),
      ],
    },
  ];
}

export interface Versions {
  app: string;
  electron: string;
  chrome: string;
  node: string;
  v8: string;
}

/** The About box's text: every version a bug report needs, and the GPU the app found. */
export function aboutText(versions: Versions, gpu: string): string {
  return [
    `AIA Studio ${versions.app}`,
    '',
    `Electron ${versions.electron}`,
    `Chromium ${versions.chrome}`,
    `Node.js ${versions.node}`,
    `V8 ${versions.v8}`,
    `GPU: ${gpu}`,
  ].join('\n');
}
