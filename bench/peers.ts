import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, type BenchRow, type PeerFigure } from './benchSupport.js';
import { PEERS_BENCH } from './check.js';

/** What bench/peers.py prints for OpenCV's warpAffine. */
interface WarpRun {
  available: true;
  library: string;
  threads: number;
  cubic: { seconds: number };
  linear: { seconds: number };
}

/** What bench/peers.py prints for FFTW's Richardson–Lucy. */
interface RichardsonLucyRun {
  available: true;
  library: string;
  threads: number;
  seconds: number;
  rfft2Seconds: number;
  planSeconds: number;
}

type PeerRun<T> = T | { available: false; reason: string };

/** The peers of one run: what they measured, or why they could not be timed. */
export interface Peers {
  warpCubic?: PeerFigure;
  richardsonLucy?: PeerFigure;
  /** The peers' own figures, as rows of their own (bench "peers"). */
  rows: BenchRow[];
  /** Why a peer was not timed (its Debian package or python3 missing), one line each. */
  missing: string[];
}

const python = '/usr/bin/python3';
const script = join(repoRoot, 'bench/peers.py');

function runPeer<T>(peer: 'warp' | 'rl', repeat: number): PeerRun<T> {
  if (!existsSync(python)) return { available: false, reason: `${python} missing` };
  try {
    const out = execFileSync(python, [script, peer, '--repeat', String(repeat)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out) as PeerRun<T>;
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    return { available: false, reason: `${script} ${peer} failed: ${stderr.split('\n').at(-1) ?? error}` };
  }
}

/**
 * Times the peers the wanted benchmarks are compared with, on this machine now (all cores, 4096²
 * float32): OpenCV's warpAffine for register, FFTW's Richardson–Lucy for deconvolve. A peer whose
 * package is missing is reported as missing, never guessed.
 */
export function timePeers(wanted: Set<string>, repeat: number): Peers {
  const peers: Peers = { rows: [], missing: [] };
  const row = (metric: string, ours: number, library: string, threads: number): BenchRow => ({
    bench: PEERS_BENCH,
    case: `4096² float32, ${threads} threads`,
    backend: library,
    metric,
    unit: 's',
    ours,
  });
  if (wanted.has('register')) {
    const warp = runPeer<WarpRun>('warp', repeat);
    if (!warp.available) peers.missing.push(`OpenCV warpAffine: ${warp.reason}`);
    else {
      peers.warpCubic = { name: 'OpenCV warpAffine INTER_CUBIC', seconds: warp.cubic.seconds };
      peers.rows.push(
        row('warpAffine INTER_CUBIC s', warp.cubic.seconds, warp.library, warp.threads),
        row('warpAffine INTER_LINEAR s', warp.linear.seconds, warp.library, warp.threads),
      );
    }
  }
  if (wanted.has('deconvolve')) {
    const rl = runPeer<RichardsonLucyRun>('rl', repeat);
    if (!rl.available) peers.missing.push(`FFTW Richardson–Lucy: ${rl.reason}`);
    else {
      peers.richardsonLucy = { name: 'FFTW Richardson–Lucy (FFTW_MEASURE)', seconds: rl.seconds };
      peers.rows.push(
        row('Richardson-Lucy 25 it s', rl.seconds, rl.library, rl.threads),
        row('one rfft2 s', rl.rfft2Seconds, rl.library, rl.threads),
        row('FFTW_MEASURE planning s', rl.planSeconds, rl.library, rl.threads),
      );
    }
  }
  return peers;
}

/**
 * Sets each row's peer: register compute against warpAffine cubic, Richardson–Lucy against FFTW's,
 * for the rows of the 4096² frames (`frames`: their names) the peers were timed on.
 */
export function comparePeers(rows: BenchRow[], peers: Peers, frames: Set<string>): void {
  for (const r of rows) {
    if (r.stage !== undefined || !frames.has(r.case)) continue;
    if (r.bench === 'register' && r.metric.startsWith('compute s') && peers.warpCubic)
      r.peer = peers.warpCubic;
    if (r.bench === 'deconvolve' && r.metric === 'Richardson-Lucy 25 it s' && peers.richardsonLucy)
      r.peer = peers.richardsonLucy;
  }
}
