import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { appRoot, defaultDataDir } from '../appPaths.js';
import { ClusterQueue } from '../cluster/clusterQueue.js';
import { AppServices } from '../services/appServices.js';
import { startLocalServer } from '../services/localServer.js';
import { parseBackend, parseImagesInFlight, parseThreads } from './recipeOptions.js';
import { tokenFromFile } from './tokenFile.js';
import { untilStopped } from './untilStopped.js';
import { UsageError } from './usage.js';

/** Web mode: the app API and the renderer on 127.0.0.1 until stopped; prints the one line to open. */
export async function serveCommand(
  argv: string[],
  log: (line: string) => void,
  fail: (line: string) => void,
  stopped: Promise<void> = untilStopped(),
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      'cache-dir': { type: 'string' },
      threads: { type: 'string' },
      'in-flight': { type: 'string' },
      backend: { type: 'string' },
      'token-file': { type: 'string' },
      cluster: { type: 'string' },
    },
  });
  const port = Number(values.port);
  if (!(Number.isInteger(port) && port >= 0 && port < 65536)) throw new UsageError('--port must be 0–65535');
  // Before the services open: a refused token file should not leave the journal locked for nothing.
  const token = values['token-file'] === undefined ? undefined : await tokenFromFile(values['token-file']);
  const services = await AppServices.open({
    dataDir: values['data-dir'] ?? defaultDataDir(),
    cacheDir: values['cache-dir'],
    threads: parseThreads(values.threads),
    imagesInFlight: parseImagesInFlight(values['in-flight']),
    ...(values.backend === undefined ? {} : { backend: parseBackend(values.backend) }),
    listen: (events) => events.on('journalRepaired', ({ message }) => fail(`aia-studio: ${message}`)),
    // --cluster: the Queue view shows the cluster's jobs and its workers (their heartbeats read every 2 s)
    // without it, the settings' "run jobs on" may choose a cluster, switched from the UI
    ...(values.cluster === undefined
      ? { openCluster: (url, listen) => ClusterQueue.open(url, { listen, watchWorkersMs: 2000 }, fail) }
      : {
          openQueue: (listen) => ClusterQueue.open(values.cluster!, { listen, watchWorkersMs: 2000 }, fail),
        }),
  });
  try {
    const server = await startLocalServer({
      handlers: services.handlers,
      events: services.events,
      port,
      token,
      staticDir: join(appRoot(), 'renderer', 'dist'),
    });
    log(`AIA Studio at ${server.url}`);
    await stopped;
    await server.close();
  } finally {
    await services.close();
  }
}
