import { APP_VERSION } from '../version.js';
import { describeError } from '../services/describeError.js';
import { infoCommand } from './infoCommand.js';
import { processCommand } from './processCommand.js';
import { psfCommand } from './psfCommand.js';
import { qaCommand } from './qaCommand.js';
import { serveCommand } from './serveCommand.js';
import { watchCommand } from './watchCommand.js';
import { workerCommand } from './workerCommand.js';
import { slurmScriptCommand } from './slurmScriptCommand.js';
import { NoPsfModelError } from '../engine/psf/index.js';
import { USAGE, UsageError } from './usage.js';

/** Runs the command line and returns the exit status: 0 all good, 1 some file failed, 2 usage error. */
export async function runCli(
  argv: string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'process': {
        const report = await processCommand(rest, out, err);
        return report.failed > 0 ? 1 : 0;
      }
      case 'watch':
        await watchCommand(rest, out, err);
        return 0;
      case 'serve':
        await serveCommand(rest, out, err);
        return 0;
      case 'worker':
        await workerCommand(rest, out, err);
        return 0;
      case 'slurm-script':
        await slurmScriptCommand(rest, out);
        return 0;
      case 'psf':
        await psfCommand(rest, out);
        return 0;
      case 'qa': {
        const report = await qaCommand(rest, out);
        return report.unreadable > 0 ? 1 : 0;
      }
      case 'info': {
        if (rest.length !== 1) throw new UsageError('info takes exactly one FILE');
        try {
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
