// The utility process's entry, built as CommonJS (a utility process may not take an ES module as its
// entry on every Electron version): it only loads the ES module that runs the services. If that
// cannot load (a file missing from the package), the shell is told why, as servicesHost.ts would
// tell it, instead of waiting forever on a process with no listener.
import { eventMessage } from './portChannel.js';

import('./servicesHost.js').catch((error: unknown) => {
  const reason = error instanceof Error ? error.message : String(error);
  process.parentPort.postMessage(eventMessage('$fatal', `the services could not load: ${reason}`));
  setTimeout(() => process.exit(1), 100);
});
