import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const REDIS_SERVER = '/usr/bin/redis-server';

/**
 * A real redis-server for a test or the bench: Debian's, on a free port, in a temporary folder, with the settings
 * docs/scaling.md asks of a cluster (AOF, fsync every second, noeviction). `kill9` and `restart` keep
 * its folder and port, so a restart replays the AOF as a crashed production Redis would.
 */
export class RedisServer {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extra: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(extra: string[] = []): Promise<RedisServer> {
    const redis = new RedisServer(await freePort(), await mkdtemp(join(tmpdir(), 'aia-redis-')), extra);
    await redis.restart();
    return redis;
  }

  /** Starts it (again) and resolves once it accepts connections, as its log says. */
  async restart(): Promise<void> {
    const child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--maxmemory-policy',
        'noeviction',
        '--save',
        '',
        ...this.extra,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.child = child;
    await new Promise<void>((ready, failed) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (/Ready to accept connections/.test(line)) ready();
      });
      child.once('exit', (code) => failed(new Error(`redis-server exited (${code}) before it was ready`)));
      child.once('error', (error) =>
        failed(new Error(`${REDIS_SERVER} could not start (apt-get install redis-server): ${error.message}`)),
      );
    });
  }

  /** SIGKILL, as a crash: resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child!;
    const gone = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await gone;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await gone;
  }
}

/** A port nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((found, failed) => {
    const server = createServer();
    server.once('error', failed);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => found(port));
    });
  });
}
