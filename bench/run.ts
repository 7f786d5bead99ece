import { loadavg } from 'node:os';
import { join } from 'node:path';
import { APP_VERSION } from '../main/version.js';
import { BENCH_BACKENDS, gpuAdapter } from './backends.js';
import { benchBatch } from './batchBench.js';
import { benchCluster } from './clusterBench.js';
import { repoRoot, type BenchOptions, type BenchRow } from './benchSupport.js';
import { peerRatioTargetFor, targetFor } from './check.js';
import { verifyDataset } from './dataset.js';
import { benchLevel16 } from './level16Bench.js';
import { comparePeers, timePeers } from './peers.js';
import { appendRecord, commitOf, inputsOf, machineInfo, versions, type HistoryRecord } from './record.js';
import { benchQa } from './qaBench.js';
import { benchRegister } from './registerBench.js';
import { benchResponsiveness } from './responsivenessBench.js';
import { benchSoak } from './soakBench.js';
import { profilesRoot } from './stageProfiles.js';
import { resultTable, stageTable } from './table.js';
import { readThresholds } from './thresholds.js';

/**
 * npm run bench [-- register,psf,deconvolve,lev16,batch,soak,qa,responsiveness] [--repeat N] [--no-oracle] [--no-peers]
 * [--backend cpu] [--profile] [--smoke]: times the engine on the fixed dataset (../shared/data/aia, or
 * AIA_STUDIO_BENCH_DATA; checksums verified first), prints medians beside the oracle and the peer
 * libraries (OpenCV, FFTW) timed in the same run, aiapy's figures and the targets, with the stage
 * breakdown of every file-to-file run, and appends the result to bench/history.jsonl.
 * --profile also writes one V8 CPU profile per stage of each file-to-file run to bench/profiles/.
 * --smoke is a short proof run for a software GPU adapter (BenchOptions.smoke).
 */
const BENCHMARKS = [
  'register',
  'psf',
  'deconvolve',
  'lev16',
  'batch',
  'soak',
  'qa',
  'cluster',
  'responsiveness',
];
const VALUED = ['--repeat', '--backend'];
const SWITCHES = ['--no-oracle', '--no-peers', '--profile', '--smoke'];
const args = process.argv.slice(2);
const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const repeat = Number(valueOf('--repeat') ?? 3);
const withOracle = !args.includes('--no-oracle');
const withPeers = !args.includes('--no-peers');
const profile = args.includes('--profile');
const smoke = args.includes('--smoke');
const backends = (valueOf('--backend') ?? Object.keys(BENCH_BACKENDS).join(',')).split(',');
const named = args
  .filter((a, i) => !a.startsWith('--') && !VALUED.includes(args[i - 1]))
  .flatMap((a) => a.split(','));
const wanted = new Set(named.length > 0 ? named : BENCHMARKS);
const unknown = [...wanted].filter((b) => !BENCHMARKS.includes(b));
const unknownFlags = args.filter((a) => a.startsWith('--') && ![...VALUED, ...SWITCHES].includes(a));
if (
  unknown.length > 0 ||
  unknownFlags.length > 0 ||
  !(repeat >= 1) ||
  backends.some((b) => !(b in BENCH_BACKENDS))
) {
  console.error(
    `usage: npm run bench -- [${BENCHMARKS.join(',')}] [--repeat N] [--no-oracle] [--no-peers] [--profile] [--smoke] ` +
      `[--backend ${Object.keys(BENCH_BACKENDS).join(',')}]`,
  );
  process.exit(2);
}

const started = new Date();
const machine = machineInfo();
const thresholds = await readThresholds();
const dataset = await verifyDataset();
// A smoke run times the 128² real file only: 4096² frames on a software adapter take hours.
const inputs = smoke ? dataset.filter((i) => i.smoke) : dataset;
const profileDir = profile ? join(profilesRoot, started.toISOString().replace(/[:.]/g, '-')) : undefined;
const profiles: BenchOptions['profiles'] = [];
const failures: BenchOptions['failures'] = [];

const rows: BenchRow[] = [];
let adapter: HistoryRecord['gpuAdapter'];
for (const backend of backends) {
  const options: BenchOptions = {
    repeat,
    withOracle: withOracle && !smoke,
    backend,
    inputs,
    profileDir,
    profiles,
    failures,
    smoke,
  };
  if (backend === 'gpu') {
    const { mode, description, software } = await gpuAdapter();
    adapter = { mode, description, software };
    console.error(`gpu adapter: ${mode}: ${description}${software ? ' — SOFTWARE (no speed figures)' : ''}`);
  }
  const passRows: BenchRow[] = [];
  if (wanted.has('register')) passRows.push(...(await benchRegister(options)));
  if (wanted.has('soak')) passRows.push(...(await benchSoak(options)));
  if (['psf', 'deconvolve', 'lev16'].some((b) => wanted.has(b)))
    passRows.push(...(await benchLevel16(wanted, options)));
  if (wanted.has('batch')) passRows.push(...(await benchBatch(options)));
  if (wanted.has('qa')) passRows.push(...(await benchQa(options)));
  if (wanted.has('cluster')) passRows.push(...(await benchCluster(options)));
  if (wanted.has('responsiveness') && !smoke) passRows.push(...(await benchResponsiveness(options)));
  // A software adapter's figures are kept apart from a GPU's: their own backend name, no GPU target.
  if (backend === 'gpu' && adapter?.software) for (const r of passRows) r.backend = 'gpu-software';
  // aiapy's figures are of 4096² frames: no ratio to a smoke run's small ones.
  if (smoke) for (const r of passRows) delete r.aiapy;
  rows.push(...passRows);
}
// The peers run after our figures, on the same machine in the same run, so their ratios are of one phase.
const peers = withPeers && !smoke ? timePeers(wanted, repeat) : { rows: [], missing: [] };
comparePeers(rows, peers, new Set(inputs.filter((i) => i.role === 'full-resolution').map((i) => i.name)));
rows.push(...peers.rows);
for (const row of rows) {
  row.target = targetFor(row, thresholds);
  row.peerRatioTarget = peerRatioTargetFor(row, thresholds);
}

machine.loadAverage.end = loadavg()[0];
const record: HistoryRecord = {
  schema: 1,
  date: started.toISOString(),
  durationS: (Date.now() - started.getTime()) / 1000,
  ...commitOf(),
  versions: versions(),
  machine,
  options: {
    benchmarks: [...wanted],
    repeat,
    oracle: withOracle,
    peers: withPeers,
    backends,
    profile,
    smoke,
  },
  inputs: inputsOf(inputs),
  ...(adapter ? { gpuAdapter: adapter } : {}),
  rows,
  failures,
  ...(profile ? { profiles } : {}),
};

console.log(
  `\nAIA Studio ${APP_VERSION} (${record.commit}${record.dirty ? ', uncommitted changes' : ''}), ${machine.key}, ` +
    `Node ${process.version}, median of ${repeat}, load average ${machine.loadAverage.start.toFixed(1)} → ` +
    `${machine.loadAverage.end.toFixed(1)}` +
    (adapter
      ? `\ngpu adapter: ${adapter.mode}: ${adapter.description}${adapter.software ? ' (SOFTWARE)' : ''}`
      : ''),
);
console.log(
  `inputs (sha256 verified): ${inputs.map((i) => `${i.name} ${i.sha256.slice(0, 12)}`).join(', ')}\n`,
);
console.log(resultTable(rows).join('\n'));
for (const line of peers.missing) console.log(`peer not timed: ${line}`);
if (rows.some((r) => r.stage !== undefined))
  console.log(`\nStages of the file-to-file runs\n\n${stageTable(rows).join('\n')}`);
for (const p of profiles) {
  console.log(`\nprofiles of ${p.bench} ${p.case} ${p.product} (${p.backend}): ${p.dir}/`);
  for (const s of p.stages) {
    const hot = s.hottest.map((h) => `${h.location} ${h.selfMs.toFixed(0)} ms`).join('; ');
    console.log(`  ${s.stage}: ${hot}`);
  }
}
for (const f of failures) console.error(`\nFAILED ${f.bench} ${f.case} (${f.backend}): ${f.error}`);
await appendRecord(record);
console.log(
  `\nappended to ${join(repoRoot, 'bench/history.jsonl')}; npm run bench:check compares it with the history`,
);
if (failures.length > 0) process.exit(1);
