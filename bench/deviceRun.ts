import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { here, repoRoot, type BenchRow } from './benchSupport.js';
import { readHistory, type HistoryRecord } from './record.js';
import { resultTable } from './table.js';

/**
 * node dist/bench/deviceRun.js [--repeat N (2)] [--budget SECONDS (450)] [--out DIR] (bench/device.sh runs it
 * after installing and building): the GPU benchmarks of a machine with a GPU, within a time budget.
 *
 * 1. Finds how headless Chromium reaches the GPU: each variant of flags and page mode (VARIANTS) is
 *    started and asked for its adapter, until one is hardware; none is on a machine without a GPU (or
 *    without the driver's Vulkan/EGL files), and the run goes on with the default, labelled software.
 * 2. Runs the GPU benches one by one (deconvolve, lev16, batch with 1/2/3 in flight, register), each
 *    appending its record to bench/history.jsonl, each stopped at the budget's end; on a software
 *    adapter as a smoke run (the 128² real file, one repeat; 4096² would take hours there). Then, with time
 *    left on a hardware adapter, the CPU backend and its peers (OpenCV, FFTW) on the same machine.
 * 3. Writes one results file (DIR/device-results.json: adapter, every probe, every step, the records)
 *    and a short summary (DIR/device-summary.md, also printed). DIR: --out, else $OUT, else bench/.
 */
interface Variant {
  name: string;
  /** The host page's API (AIA_STUDIO_GPU_MODE); undefined: WebGPU where an adapter answers, else WebGL2. */
  mode?: 'webgpu' | 'webgl2';
  /** Chromium flags before the GPU host's own (bench/backends.ts → hostConnection.ts CHROMIUM_ARGS). */
  flags: string[];
  why: string;
}

// Headless Chromium on a Linux GPU server has no display: ANGLE and Dawn reach the NVIDIA driver through
// Vulkan (no surface needed) or, for WebGL2, ANGLE over EGL; both need the driver's ICD / vendor files.
const VULKAN = [
  '--use-angle=vulkan',
  '--enable-features=Vulkan,VulkanFromANGLE,DefaultANGLEVulkan',
  '--disable-vulkan-surface',
  '--ignore-gpu-blocklist',
  '--enable-unsafe-webgpu',
];
const EGL = ['--use-gl=angle', '--use-angle=gl-egl', '--ignore-gpu-blocklist'];
const VARIANTS: Variant[] = [
  {
    name: 'vulkan-webgpu',
    mode: 'webgpu',
    flags: VULKAN,
    why: 'WebGPU (Dawn on Vulkan), WebGL2 by ANGLE on Vulkan',
  },
  { name: 'vulkan-webgl2', mode: 'webgl2', flags: VULKAN, why: 'WebGL2 by ANGLE on Vulkan' },
  { name: 'egl-webgl2', mode: 'webgl2', flags: EGL, why: 'WebGL2 by ANGLE on EGL (no Vulkan)' },
  { name: 'default', flags: [], why: "Chromium's own choice (SwiftShader without a usable GPU)" },
];

interface Probe {
  variant: string;
  mode?: string;
  flags: string[];
  adapter?: { mode: string; description: string; software: boolean };
  error?: string;
  seconds: number;
}

interface Step {
  name: string;
  args: string[];
  seconds: number;
  exitCode?: number | null;
  timedOut?: boolean;
  skipped?: string;
  records: number;
}

const args = process.argv.slice(2);
const valueOf = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const repeat = Number(valueOf('--repeat') ?? 2);
const budgetS = Number(valueOf('--budget') ?? 450);
const outDir = resolve(valueOf('--out') ?? process.env.OUT ?? join(repoRoot, 'bench'));
const started = Date.now();
const elapsed = () => (Date.now() - started) / 1000;
const chromium = process.env.AIA_STUDIO_CHROMIUM ?? '/usr/bin/chromium';
const scratch = mkdtempSync(join(tmpdir(), 'aia-device-'));

/** A Chromium that starts the real one with the variant's flags first (the GPU host adds its own after). */
function wrapperFor(variant: Variant): string {
  const path = join(scratch, `chromium-${variant.name}`);
  const quoted = [chromium, ...variant.flags].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  writeFileSync(path, `#!/bin/sh\nexec ${quoted} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

function envFor(variant: Variant): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AIA_STUDIO_CHROMIUM: wrapperFor(variant) };
  if (variant.mode) env.AIA_STUDIO_GPU_MODE = variant.mode;
  else delete env.AIA_STUDIO_GPU_MODE;
  return env;
}

function probe(variant: Variant): Probe {
  const start = Date.now();
  const run = spawnSync(process.execPath, [join(here, 'gpuAdapterProbe.js')], {
    env: envFor(variant),
    encoding: 'utf8',
    timeout: 90_000,
    killSignal: 'SIGKILL',
  });
  const seconds = (Date.now() - start) / 1000;
  const base = { variant: variant.name, mode: variant.mode, flags: variant.flags, seconds };
  const line = run.stdout?.trim().split('\n').at(-1);
  if (run.status === 0 && line) return { ...base, adapter: JSON.parse(line) as Probe['adapter'] };
  const error = run.error
    ? String(run.error)
    : (run.stderr?.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${run.status}`);
  return { ...base, error: error.slice(0, 400) };
}

/** Runs one bench/run.js invocation, its output on ours, stopped (with its children) at `timeoutS`. */
function runBench(benchArgs: string[], env: NodeJS.ProcessEnv, timeoutS: number) {
  return new Promise<{ code: number | null; timedOut: boolean }>((done) => {
    const child = spawn(process.execPath, ['--expose-gc', join(here, 'run.js'), ...benchArgs], {
      env,
      stdio: 'inherit',
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, timedOut });
    });
  });
}

function nvidiaSmi(): string {
  const run = spawnSync(
    'nvidia-smi',
    ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'],
    {
      encoding: 'utf8',
    },
  );
  return run.status === 0 ? run.stdout.trim() : 'nvidia-smi not available';
}

const fmt = (v: number | undefined, digits = 3) => (v === undefined ? '—' : v.toFixed(digits));

/** The issue's GPU targets read off the records, in words. */
function gpuVerdicts(rows: BenchRow[]): string[] {
  const gpuRows = rows.filter((r) => r.backend === 'gpu' || r.backend === 'gpu-software');
  const find = (metric: string, caseText?: string) =>
    gpuRows.filter((r) => r.metric === metric && (caseText === undefined || r.case.includes(caseText)));
  const lines: string[] = [];
  for (const r of find('Richardson-Lucy 25 it s'))
    lines.push(
      `- Richardson–Lucy 25 iterations, ${r.case}: ${fmt(r.ours)} s (target ≤ 0.3 s on a data-centre GPU)`,
    );
  for (const r of find('level 1.6 file-to-file s'))
    lines.push(`- level 1.6 file-to-file, fresh process: ${fmt(r.ours)} s (includes Chromium's start)`);
  for (const r of [...find('level 1.6 batch s/image'), ...find('level 1.5 batch s/image')]) {
    const level = r.metric.startsWith('level 1.6') ? '1.6' : '1.5';
    const main = gpuRows.find(
      (m) => m.case === r.case && m.metric === `level ${level} batch main thread s/image`,
    );
    const target = level === '1.6' ? ' (target ≥ 3 frames/s: ≤ 0.333 s/image)' : '';
    lines.push(
      `- level ${level} batch, ${r.case}: ${fmt(r.ours)} s/image = ${(1 / r.ours).toFixed(2)} frames/s${target}; ` +
        `Node thread busy ${fmt(main?.ours)} s/image (bounds the rate at ${main ? (1 / main.ours).toFixed(1) : '—'} frames/s)`,
    );
  }
  return lines;
}

mkdirSync(outDir, { recursive: true });
console.log(`device run: Chromium ${chromium}, ${nvidiaSmi()}`);
const probes: Probe[] = [];
let chosen: { variant: Variant; probe: Probe } | undefined;
for (const variant of VARIANTS) {
  const result = probe(variant);
  probes.push(result);
  console.log(
    `adapter probe ${variant.name} (${variant.why}): ` +
      (result.adapter
        ? `${result.adapter.mode}: ${result.adapter.description}${result.adapter.software ? ' — software' : ' — HARDWARE'}`
        : `failed: ${result.error}`) +
      ` (${result.seconds.toFixed(1)} s)`,
  );
  if (result.adapter && !result.adapter.software) {
    chosen = { variant, probe: result };
    break;
  }
}
const software = chosen === undefined;
if (!chosen) {
  const fallback = VARIANTS.findIndex((v) => probes.find((p) => p.variant === v.name)?.adapter);
  if (fallback < 0) {
    console.error(
      'no GPU adapter at all: Chromium did not start the GPU host with any variant (see the probes)',
    );
  } else
    chosen = {
      variant: VARIANTS[fallback],
      probe: probes.find((p) => p.variant === VARIANTS[fallback].name)!,
    };
}
if (software)
  console.log(
    '\nSOFTWARE ADAPTER ONLY: no variant reached a hardware GPU. The run goes on as a smoke run (the 128² file, ' +
      'one repeat): it proves the path end to end, its timings say nothing about a GPU.\n',
  );

const steps: Step[] = [];
const records: HistoryRecord[] = [];
const benchRepeat = software ? 1 : repeat;
const plan: { name: string; args: string[]; env?: NodeJS.ProcessEnv }[] = [];
if (chosen) {
  const env = envFor(chosen.variant);
  const gpuArgs = ['--backend', 'gpu', '--repeat', String(benchRepeat), '--no-oracle', '--no-peers'];
  for (const bench of software
    ? ['deconvolve', 'batch', 'register']
    : ['deconvolve', 'lev16', 'batch', 'register'])
    plan.push({ name: `gpu ${bench}`, args: [bench, ...gpuArgs, ...(software ? ['--smoke'] : [])], env });
  if (software)
    steps.push({
      name: 'gpu lev16',
      args: [],
      seconds: 0,
      skipped: 'level 1.6 needs a 4096² frame',
      records: 0,
    });
}
// The CPU backend and its peers on the same machine: what the GPU is compared with.
if (!software)
  plan.push({
    name: 'cpu register,deconvolve,lev16 + peers',
    args: ['register,deconvolve,lev16', '--backend', 'cpu', '--repeat', String(repeat), '--no-oracle'],
  });

for (const step of plan) {
  const left = budgetS - elapsed();
  if (left < 30) {
    steps.push({
      name: step.name,
      args: step.args,
      seconds: 0,
      skipped: `time budget (${budgetS} s) spent`,
      records: 0,
    });
    continue;
  }
  console.log(`\n=== ${step.name} (${left.toFixed(0)} s of the budget left): run.js ${step.args.join(' ')}`);
  const before = (await readHistory()).length;
  const start = Date.now();
  const { code, timedOut } = await runBench(step.args, step.env ?? process.env, left);
  const added = (await readHistory()).slice(before);
  records.push(...added);
  steps.push({
    name: step.name,
    args: step.args,
    seconds: (Date.now() - start) / 1000,
    exitCode: code,
    timedOut,
    records: added.length,
  });
  if (timedOut) console.log(`${step.name}: stopped at the end of the time budget`);
}

const rows = records.flatMap((r) => r.rows);
const adapterLine = chosen?.probe.adapter
  ? `${chosen.probe.adapter.mode}: ${chosen.probe.adapter.description} (${software ? 'SOFTWARE' : 'hardware'}; variant ${chosen.variant.name}: ${chosen.variant.flags.join(' ') || 'no extra flags'})`
  : 'none';
const summary = [
  `# AIA Studio device run, ${new Date(started).toISOString()}`,
  '',
  `GPU: ${nvidiaSmi()}`,
  `Adapter: ${adapterLine}`,
  ...(software
    ? [
        '',
        '**Software adapter: a smoke run on the 128² file. It proves the path; its timings say nothing of a GPU.**',
      ]
    : []),
  '',
  `Probes: ${probes.map((p) => `${p.variant} → ${p.adapter ? `${p.adapter.description}${p.adapter.software ? ' (software)' : ''}` : `failed (${p.error})`}`).join('; ')}`,
  '',
  `Steps (${elapsed().toFixed(0)} s of a ${budgetS} s budget): ${steps
    .map(
      (s) =>
        `${s.name}: ${s.skipped ? `skipped (${s.skipped})` : `${s.seconds.toFixed(0)} s${s.timedOut ? ', STOPPED at the budget' : s.exitCode !== 0 ? `, exit ${s.exitCode}` : ''}`}`,
    )
    .join('; ')}`,
  '',
  '## GPU targets (issue #20)',
  '',
  ...(gpuVerdicts(rows).length > 0 ? gpuVerdicts(rows) : ['- no GPU figures were measured']),
  '',
  '## Every figure',
  '',
  ...resultTable(rows),
  '',
  `The records are in ${join(outDir, 'device-results.json')} (records[]): append them to bench/history.jsonl to keep them.`,
];
const results = {
  schema: 1,
  date: new Date(started).toISOString(),
  durationS: elapsed(),
  software,
  adapter: chosen?.probe.adapter ?? null,
  variant: chosen
    ? { name: chosen.variant.name, mode: chosen.variant.mode ?? null, flags: chosen.variant.flags }
    : null,
  gpu: nvidiaSmi(),
  environment: Object.fromEntries(
    ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', '__EGL_VENDOR_LIBRARY_FILENAMES', 'AIA_STUDIO_BENCH_DATA'].map(
      (k) => [k, process.env[k] ?? null],
    ),
  ),
  budgetS,
  repeat: benchRepeat,
  probes,
  steps,
  records,
};
writeFileSync(join(outDir, 'device-results.json'), `${JSON.stringify(results, null, 1)}\n`);
writeFileSync(join(outDir, 'device-summary.md'), `${summary.join('\n')}\n`);
console.log(`\n${summary.join('\n')}`);
if (existsSync(scratch)) rmSync(scratch, { recursive: true, force: true });
process.exit(chosen && steps.every((s) => s.skipped !== undefined || s.exitCode === 0) ? 0 : 1);
