import { app } from 'electron';

/**
 * macOS's open-file (a file dropped on the Dock icon, opened from Finder) may come during a cold
 * start before the rest of the main process has run: main.ts imports this module first, so the
 * listener is in place as early as an ES module entry allows, and paths wait here until the shell
 * takes them.
 */
const early: string[] = [];
let deliver: ((paths: string[]) => void) | undefined;

app.on('open-file', (event, path) => {
  event.preventDefault();
  if (deliver) deliver([path]);
  else early.push(path);
});

/** From now on open-file paths go to handler (those that came earlier at once). */
export function onOpenFile(handler: (paths: string[]) => void): void {
  deliver = handler;
  if (early.length) handler(early.splice(0));
}
