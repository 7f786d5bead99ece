import type { Stage } from '../../../main/contract/index.js';

const PIPELINE: Stage[] = [
  'read',
  'decode',
  'prepare',
  'deconvolve',
  'register',
  'statistics',
  'encode',
  'write',
];

/** The stages a job goes through, in order: deconvolve only when level 1.6 is asked for. */
export function stagesFor(levels: readonly string[]): Stage[] {
  return PIPELINE.filter((s) => s !== 'deconvolve' || levels.includes('1.6'));
}

/**
 * A duration as people read it: "850 ms", "12.3 s", "4 min 05 s", "1 h 02 min". Rounded once, to the
 * unit shown, before it is split, so a rounding carries into the next unit (59.96 s is "1 min 00 s",
 * never "60.0 s" or "1 min 60 s").
 */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.round(ms / 100) < 600) return `${(Math.round(ms / 100) / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`;
  const minutes = Math.round(ms / 60_000);
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
}

/** 'cpu' or 'gpu' from the queue's note ('backend: cpu (auto: no GPU device …)'); '' without one. */
export const backendName = (note: string | undefined): string =>
  /^backend: (\w+)/.exec(note ?? '')?.[1] ?? '';

const pad = (n: number) => String(n).padStart(2, '0');
