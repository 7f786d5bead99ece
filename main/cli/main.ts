import { APP_VERSION } from '../version.js';
import { describeError } from '../services/describeError.js';
import { NoPsfModelError } from '../engine/psf/index.js';
import { USAGE, UsageError } from './usage.js';

/**
 * Runs the command line and returns the exit status: 0 all good, 1 some file failed, 2 usage error.
 * Each command's module is imported when it runs: the server's and the cluster's (bullmq, ioredis,
 * ws: hundreds of files) cost a one-file `process` ≈1 s of CPU on the loaded 2-core machine.
 */
export async function runCli(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'process': {
        // The tile decode workers boot on other cores while this thread loads the command's modules
        // (one core at work, the others idle); a cluster run decodes nothing here.
        if (!rest.some((arg) => arg.startsWith('--cluster')))
          void import('../engine/fits/tileDecodePool.js').then((pool) => pool.tileDecodePool().warm());
        const { processCommand } = await import('./processCommand.js');
        const report = await processCommand(rest, out, err);
        return report.failed > 0 ? 1 : 0;
      }
      case 'watch':
        await (await import('./watchCommand.js')).watchCommand(rest, out, err);
        return 0;
      case 'serve':
        await (await import('./serveCommand.js')).serveCommand(rest, out, err);
        return 0;
      case 'worker':
        await (await import('./workerCommand.js')).workerCommand(rest, out, err);
        return 0;
      case 'slurm-script':
        await (await import('./slurmScriptCommand.js')).slurmScriptCommand(rest, out);
        return 0;
      case 'psf':
        await (await import('./psfCommand.js')).psfCommand(rest, out);
        return 0;
      case 'qa': {
        const { qaCommand } = await import('./qaCommand.js');
        const report = await qaCommand(rest, out);
        return report.unreadable > 0 ? 1 : 0;
      }
      case 'info': {
        if (rest.length !== 1) throw new UsageError('info takes exactly one FILE');
        try {
          const { infoCommand } = await import('./infoCommand.js');
          out(JSON.stringify(await infoCommand(rest[0]), null, 2));
          return 0;
        } catch (error) {
          err(`${rest[0]}: ${describeError(error)}`);
          return 1;
        }
      }
      case '--version':
      case '-v':
        out(APP_VERSION);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        out(USAGE);
        return 0;
      default:
        throw new UsageError(command ? `unknown command '${command}'` : 'no command given');
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof NoPsfModelError ||
      (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      err(`aia-studio: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    err(`aia-studio: ${describeError(error)}`);
    return 1;
  }
}
