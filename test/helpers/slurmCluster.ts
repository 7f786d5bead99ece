import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { freePort } from '../../bench/redisServer.js';

const run = promisify(execFile);

/**
 * A real single-node Slurm for a test: Debian's slurmctld and slurmd (apt-get install slurmctld slurmd
 * slurm-client), in the foreground, on free ports, with their state, spool and configuration in a
 * temporary folder; no system service, no cgroups. The node, `localhost`, has 2 CPUs. Slurm's
 * commands reach it through SLURM_CONF (`env`).
 */
export class SlurmCluster {
  private readonly daemons: { name: string; child: ChildProcess; log: string[] }[] = [];

  private constructor(readonly dir: string) {}

  get conf(): string {
    return join(this.dir, 'slurm.conf');
  }

  /** The environment Slurm's commands (sbatch, squeue) and the jobs they submit run in. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, SLURM_CONF: this.conf };
  }

  static async start(): Promise<SlurmCluster> {
    const slurm = new SlurmCluster(await mkdtemp(join(tmpdir(), 'aia-slurm-')));
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    await mkdir(join(slurm.dir, 'state'));
    await mkdir(join(slurm.dir, 'spool'));
    const at = (name: string) => join(slurm.dir, name);
    await writeFile(
      slurm.conf,
      [
        'ClusterName=aiatest',
        'SlurmctldHost=localhost(127.0.0.1)',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        // the daemons run as whoever runs the test (root in CI, not needed): its jobs run as that user too
        `SlurmUser=${userInfo().username}`,
        `SlurmdUser=${userInfo().username}`,
        // one host, one user: the packaged auth/none spares a munged (munge only proves who sent a message)
        'AuthType=auth/none',
        'CredType=cred/none',
        `StateSaveLocation=${at('state')}`,
        `SlurmdSpoolDir=${at('spool')}`,
        `SlurmctldPidFile=${at('slurmctld.pid')}`,
        `SlurmdPidFile=${at('slurmd.pid')}`,
        // no cgroups in a container: processes are tracked by parentage, tasks are not confined
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'MpiDefault=none',
        'MailProg=/bin/true',
        'SchedulerType=sched/builtin',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        // `sbatch --wait` polls every 2 s (not 2, 10, 42 s…) when MinJobAge ≤ 4; a finished job is still kept
        // longer than a poll, so sbatch reads its exit status
        'MinJobAge=4',
        // the node is what this file says, whatever the machine's cores (CI's may differ)
        'SlurmdParameters=config_overrides',
        'ReturnToService=2',
        'NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN',
        'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    try {
      await slurm.daemon('/usr/sbin/slurmctld', ['-D', '-f', slurm.conf], /Running as primary controller/);
      await slurm.daemon(
        '/usr/sbin/slurmd',
        ['-D', '-N', 'localhost', '-f', slurm.conf],
        /slurmd started on/,
      );
    } catch (error) {
      await slurm.stop();
      throw error;
    }
    return slurm;
  }

  /** Starts a daemon in the foreground and resolves once its log says it is up. */
  private async daemon(path: string, args: string[], up: RegExp): Promise<void> {
    const child = spawn(path, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log: string[] = [];
    this.daemons.push({ name: path, child, log });
    await new Promise<void>((ready, failed) => {
      for (const stream of [child.stdout!, child.stderr!])
        createInterface({ input: stream }).on('line', (line) => {
          log.push(line);
          if (up.test(line)) ready();
        });
      child.once('exit', (code) =>
        failed(new Error(`${path} exited (${code}) before it was up:\n${log.join('\n')}`)),
      );
      child.once('error', (error) =>
        failed(
          new Error(
            `${path} could not start (apt-get install slurmctld slurmd slurm-client): ${error.message}`,
          ),
        ),
      );
    });
  }

  /**
   * `sbatch --wait SCRIPT` in `cwd`: resolves once every task of the job has ended, with the job id and
   * sbatch's exit status (the highest of the tasks'). Past `timeoutMs` it fails with the daemons' logs.
   */
  async submitAndWait(
    script: string,
    cwd: string,
    timeoutMs = 90_000,
  ): Promise<{ jobId: string; status: number }> {
    const done = await run('/usr/bin/sbatch', ['--wait', script], {
      cwd,
      env: this.env,
      timeout: timeoutMs,
    }).then(
      (result) => ({ ...result, code: 0 }),
      (error: { stdout?: string; stderr?: string; code?: number | string; killed?: boolean }) => {
        if (error.killed || typeof error.code !== 'number')
          throw new Error(`sbatch --wait ${script} did not end (${error.code}):\n${this.logs()}`);
        return { stdout: error.stdout ?? '', stderr: error.stderr ?? '', code: error.code };
      },
    );
    const jobId = /^Submitted batch job (\d+)$/m.exec(done.stdout)?.[1];
    if (!jobId) throw new Error(`sbatch said: ${done.stdout}${done.stderr}\n${this.logs()}`);
    return { jobId, status: done.code };
  }

  /** The daemons' output so far, for a failure's message. */
  logs(): string {
    return this.daemons.map((d) => `--- ${d.name}\n${d.log.join('\n')}`).join('\n');
  }

  /** SIGTERM to slurmd, then slurmctld; resolves once both are gone. */
  async stop(): Promise<void> {
    for (const { child } of [...this.daemons].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await gone;
    }
  }
}
