import { parseArgs } from 'node:util';
import { defaultCacheDir } from '../appPaths.js';
import { checkClusterRedis } from '../cluster/clusterConnection.js';
import { ClusterWorker } from '../cluster/clusterWorker.js';
import { parsePathMap } from '../cluster/pathMap.js';
import { parseBackend, parseCount, parseImagesInFlight, parseThreads } from './recipeOptions.js';
import { untilStopped } from './untilStopped.js';
import { UsageError } from './usage.js';

/**
 * `aia-studio worker --cluster URL`: runs the cluster's jobs on this machine until Ctrl-C or a polite
 * kill, one line per job; a stop lets the jobs running finish first.
 */
export async function workerCommand(
  argv: string[],
  log: (line: string) => void,
  fail: (line: string) => void,
  stopped: Promise<void> = untilStopped(),
): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      'in-flight': { type: 'string' },
      threads: { type: 'string' },
      'path-map': { type: 'string', multiple: true, default: [] },
      'cache-dir': { type: 'string' },
      'lock-ms': { type: 'string' },
      'heartbeat-ms': { type: 'string' },
    },
  });
  if (!values.cluster) throw new UsageError('worker needs --cluster redis://HOST:PORT');
  let pathMap;
  try {
    pathMap = parsePathMap(values['path-map']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const lockMs = parseCount('--lock-ms', values['lock-ms']);
  const heartbeatMs = parseCount('--heartbeat-ms', values['heartbeat-ms']);
  if (lockMs !== undefined && lockMs < 500) throw new UsageError('--lock-ms must be at least 500');
  if (heartbeatMs !== undefined && heartbeatMs < 100)
    throw new UsageError('--heartbeat-ms must be at least 100');
  for (const warning of await checkClusterRedis(values.cluster)) fail(`aia-studio: ${warning}`);
  const worker = await ClusterWorker.start({
    url: values.cluster,
    backend: parseBackend(values.backend),
    inFlight: parseImagesInFlight(values['in-flight']),
    threads: parseThreads(values.threads),
    pathMap,
    cacheDir: values['cache-dir'] ?? defaultCacheDir(),
    lockMs,
    heartbeatMs,
    log,
    fail,
  });
  await stopped;
  log(`worker ${worker.name}: stopping after the jobs it runs`);
  await worker.stop();
  log(`worker ${worker.name}: stopped`);
}
