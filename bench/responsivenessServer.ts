/**
 * The services and their local server in a process of their own, as `serve` runs them, with their
 * event loop watched: the process bench/responsivenessBench.ts calls. Two figures: the loop's largest
 * delay (perf_hooks.monitorEventLoopDelay: wall time, so on a loaded machine it counts the time the
 * thread waited for a core as well), and its largest block: how late a 5 ms timer came, less the
 * time the thread waited for a core meanwhile (Linux schedstat, in ns), which is the time work on
 * the loop held it (JavaScript running or a synchronous call waiting), whatever the load. Prints {port, token} once listening; on each stdin
 * line: "reset" clears both, "report" prints them (ms), "close" stops.
 * node dist/bench/responsivenessServer.js DATA_DIR CACHE_DIR
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { AppServices } from '../main/services/appServices.js';
import { startLocalServer } from '../main/services/localServer.js';

const [dataDir, cacheDir] = process.argv.slice(2);
const services = await AppServices.open({ dataDir, cacheDir });
const server = await startLocalServer({ handlers: services.handlers, events: services.events });
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

const TICK_MS = 5;
/** How long this (the main) thread has waited for a core, in ms (Linux schedstat); undefined elsewhere. */
function runQueueWaitMs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ')[1]) / 1e6;
  } catch {
    return undefined;
  }
}
let last = { at: performance.now(), waited: runQueueWaitMs() };
let maxBlockMs = 0;
// A tick late by more than the thread waited for a core was held by work on the loop (JavaScript
// running, or a synchronous call waiting): that is the block.
const watch = setInterval(() => {
  const now = { at: performance.now(), waited: runQueueWaitMs() };
  if (now.waited !== undefined && last.waited !== undefined)
    maxBlockMs = Math.max(maxBlockMs, now.at - last.at - TICK_MS - (now.waited - last.waited));
  last = now;
}, TICK_MS);

process.stdout.write(`${JSON.stringify({ port: server.port, token: server.token })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'reset') {
    delay.reset();
    maxBlockMs = 0;
  } else if (line === 'report')
    process.stdout.write(
      `${JSON.stringify({ maxDelayMs: delay.max / 1e6, maxBlockMs: last.waited === undefined ? null : maxBlockMs })}\n`,
    );
  else if (line === 'close') break;
}
clearInterval(watch);
delay.disable();
await server.close();
await services.close();
process.exit(0);
