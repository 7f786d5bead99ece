/**
 * Runs in Electron's utility process: the app's services (queue, watch folders, settings, images),
 * away from the main process, whose event loop must stay free for windows and menus while the
 * compute engine keeps every core busy. Answers { command, request } with the contract's Reply, and
 * { control } for the shell's lifecycle; pushes every services event.
 */
import { ClusterQueue } from '../main/cluster/clusterQueue.js';
import { AppServices, describeError, dispatchCommand } from '../main/services/index.js';
import { answerRequests, type PortLike } from './portChannel.js';
import type { ServicesRequest } from './servicesProcess.js';

const parent = process.parentPort;
const port: PortLike = {
  postMessage: (message) => parent.postMessage(message),
  onMessage: (listener) => parent.on('message', (event) => listener(event.data)),
};

// Data and cache folders come as AIA_STUDIO_DATA / AIA_STUDIO_CACHE, which AppServices' defaults read.
// The settings' "run jobs on: cluster at URL" opens the cluster's queue here (its workers' heartbeats
// read every 2 s for the Workers panel); Redis's warnings (AOF off) go to the log.
const opening = AppServices.open({
  dataDir: process.env.AIA_STUDIO_DATA ?? '',
  openCluster: (url, listen) =>
    ClusterQueue.open(url, { listen, watchWorkersMs: 2000 }, (line) => console.warn(line)),
});

const channel = answerRequests(port, async (body) => {
  const services = await opening;
  const message = body as ServicesRequest;
  if ('command' in message) return dispatchCommand(services.handlers, message.command, message.request);
  switch (message.control) {
    case 'idle':
      return services.queue.idle();
    case 'close':
      await services.close();
      setImmediate(() => process.exit(0));
      return undefined;
  }
});

opening.then(
  (services) => {
    services.events.onAny((event, payload) => channel.emit(String(event), payload));
    channel.emit('$ready', null);
  },
  (error: unknown) => {
    channel.emit('$fatal', describeError(error));
    setTimeout(() => process.exit(1), 100);
  },
);
