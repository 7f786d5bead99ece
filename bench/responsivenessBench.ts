import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Job } from '../main/contract/index.js';
import type { BenchOptions, BenchRow } from './benchSupport.js';

/** The probe: a listJobs 200 ms after the last reply, each on a new connection, at least 40. */
const INTERVAL_MS = 200;
const MIN_CALLS = 40;
const FRAME = 'fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits';

/**
 * How the services answer while they compute: a real server (bench/responsivenessServer.ts, the
 * services and the local server as `serve` runs them) processes one 4096² frame to levels 1.5 and 1.6
 * on an empty PSF cache (the PSF built, its transfer function made, 25 Richardson–Lucy iterations),
 * while this process calls listJobs over HTTP on a fresh connection, 200 ms after each reply, until
 * the job ends.
 * Rows: the 95th percentile and the largest reply time, the largest event-loop delay the server saw
 * (wall time, a wait for a core included) and its largest block (CPU time of its thread between two
 * turns: the work that held it), and the job's wall time (moving work off the loop must not slow it).
 */
export async function benchResponsiveness(
  options: Pick<BenchOptions, 'backend' | 'inputs'>,
): Promise<BenchRow[]> {
  const frame = options.inputs.find((i) => i.path === FRAME);
  if (!frame) throw new Error(`responsiveness: ${FRAME} is not in the verified dataset`);
  const root = await mkdtemp(join(tmpdir(), 'aia-bench-responsive-'));
  const script = fileURLToPath(new URL('./responsivenessServer.js', import.meta.url));
  const child = spawn(process.execPath, [script, join(root, 'data'), join(root, 'psf-cache')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? 'null');
  try {
    const { port, token } = (await nextLine()) as { port: number; token: string };
    const call = (command: string, body: object) => callOnce(port, token, command, body);
    child.stdin.write('reset\n');
    const submitted = (await call('submitBatch', {
      inputs: [frame.file],
      recipe: { outputDir: join(root, 'out'), levels: ['1.5', '1.6'], backend: options.backend },
    })) as { ok: boolean; result?: { jobs: { id?: string }[] }; error?: { message: string } };
    const id = submitted.result?.jobs[0]?.id;
    if (!id) throw new Error(`responsiveness: the job was not queued: ${JSON.stringify(submitted)}`);
    const latencies: number[] = [];
    let job: Job | undefined;
    for (let i = 0; ; i++) {
      await new Promise((r) => setTimeout(r, INTERVAL_MS));
      const sent = performance.now();
      const listed = (await call('listJobs', {})) as { result: { jobs: Job[] } };
      latencies.push(performance.now() - sent);
      job = listed.result.jobs.find((j) => j.id === id);
      if (i + 1 >= MIN_CALLS && job && job.state !== 'queued' && job.state !== 'running') break;
    }
    child.stdin.write('report\n');
    const loop = (await nextLine()) as { maxDelayMs: number; maxBlockMs: number | null };
    if (job?.state !== 'done') throw new Error(`responsiveness: the job ended ${job?.state}: ${job?.error}`);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
    const row = (metric: string, ours: number): BenchRow => ({
      bench: 'responsiveness',
      case: `${frame.name} L1.5+1.6 cold PSF, ${latencies.length} listJobs`,
      backend: options.backend,
      metric,
      unit: 's',
      ours,
    });
    return [
      row('listJobs p95 s', p95 / 1000),
      row('listJobs max s', sorted[sorted.length - 1] / 1000),
      row('event-loop max delay s', loop.maxDelayMs / 1000),
      ...(loop.maxBlockMs === null ? [] : [row('event-loop max block s', loop.maxBlockMs / 1000)]),
      row('job wall s', (job.wallMs ?? 0) / 1000),
    ];
  } finally {
    child.stdin.end('close\n');
    await new Promise((r) => child.once('exit', r));
    await rm(root, { recursive: true, force: true });
  }
}

/** One POST /api/<command> on a connection of its own; resolves with the parsed reply. */
function callOnce(port: number, token: string, command: string, body: object): Promise<unknown> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: `/api/${command}`,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          connection: 'close',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
