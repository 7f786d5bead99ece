/**
 * The Electron main process's entry: what Chromium and the OS must hear before 'ready' (switches,
 * name, AppUserModelID, the app:// scheme, the single-instance lock, open-file), then DesktopShell.
 * Everything with logic in it lives in a small module beside this one and is tested without Electron.
 */
import { onOpenFile } from './openFileEvents.js'; // first: a cold start's open-file (macOS)
import { join } from 'node:path';
import { app, dialog, protocol } from 'electron';
import { defaultDataDir } from '../main/appPaths.js';
import { APP_ID, APP_NAME } from './appIdentity.js';
import { declareAppScheme } from './appProtocol.js';
import { chromiumSetup } from './chromiumSwitches.js';
import { DesktopShell, reportOpenFailure } from './desktopShell.js';
import { launchPaths } from './launchPaths.js';

const chromium = chromiumSetup(process.platform, process.env, process.argv);
if (chromium.disableHardwareAcceleration) app.disableHardwareAcceleration();
for (const [name, value] of chromium.switches) app.commandLine.appendSwitch(name, value);
app.setName(APP_NAME);
// Windows attributes notifications by the AppUserModelID the installer's shortcut carries.
if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
// One folder isolates a whole run (the tests, a second profile): the services' data and the shell's.
const dataDir = defaultDataDir();
if (process.env.AIA_STUDIO_DATA) app.setPath('userData', join(dataDir, 'desktop'));
declareAppScheme(protocol);

/** Files asked for before the shell is up (argv, open-file, a second instance during start-up). */
const held: string[] = launchPaths(process.argv, process.cwd());
let shell: DesktopShell | undefined;

function openRequest(paths: string[]): void {
  if (shell) void shell.open(paths).catch(reportOpenFailure);
  else held.push(...paths);
}

if (!app.requestSingleInstanceLock()) {
  // Another AIA Studio is running: it gets our files (second-instance) and this one ends.
  app.exit(0);
} else {
  app.on('second-instance', (_event, argv, cwd) => openRequest(launchPaths(argv, cwd)));
  onOpenFile(openRequest);
  app
    .whenReady()
    .then(() => DesktopShell.start(dataDir, held.splice(0)))
    .then((started) => {
      shell = started;
      if (held.length) openRequest(held.splice(0));
    })
    .catch((error: unknown) => {
      // Without this the process would stay, windowless, holding the data folder.
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      dialog.showErrorBox(`${APP_NAME} could not start`, reason);
      app.exit(1);
    });
}
