/**
 * AIA EUV point-spread functions: the Grigis et al. (2012) mesh-diffraction model as aiapy 0.12
 * computes it (see shared/spec/aia-processing.md, "PSF"), 4096×4096 float64, peak at [2048, 2048].
 *
 * Each diffraction spike is a separable Gaussian exp(−W(x−cx)²)·exp(−W(y−cy)²) with W = 4.5 (σ = 1/3
 * px); beyond 5 px it is below e^−112 of its amplitude, so it is evaluated only in an 11×11 window,
 * which is exact to float64 round-off. The composite of the entrance and focal-plane filters,
 * fftshift(|FFT2(FFT2(F_e)·FFT2(F_fp))|)/N², is a circular convolution read with a coordinate flip:
 * PSF[i, j] = |(F_e ⊛ F_fp)[(N/2 − i) mod N, (N/2 − j) mod N]|, computed with real float64 transforms.
 */
import type { FftEngine } from '../fft/engine.js';
import { Fft2dPlan, TransferKind } from '../fft/plan.js';

export const PSF_SIZE = 4096;
/** Bump when the model or its numerics change: cached PSFs carry it. */
export const PSF_MODEL_VERSION = 'grigis2012/aiapy-0.12/v1';

export interface PsfParameters {
  /** entrance-filter arm angles, degrees */
  angles: readonly number[];
  /** entrance-filter spike spacing, px */
  spacingEntrance: number;
  /** focal-plane-filter spike spacing, px (arms at ±45°) */
  spacingFocalPlane: number;
}

const MESH: Readonly<Record<number, PsfParameters>> = {
  94: { angles: [49.81, 40.16, -40.28, -49.92], spacingEntrance: 8.99, spacingFocalPlane: 0.207 },
  131: { angles: [50.27, 40.17, -39.7, -49.95], spacingEntrance: 12.37, spacingFocalPlane: 0.289 },
  171: { angles: [49.81, 39.57, -40.13, -50.38], spacingEntrance: 16.26, spacingFocalPlane: 0.377 },
  193: { angles: [49.82, 39.57, -40.12, -50.37], spacingEntrance: 18.39, spacingFocalPlane: 0.425 },
  211: { angles: [49.78, 40.08, -40.34, -49.95], spacingEntrance: 19.97, spacingFocalPlane: 0.465 },
  304: { angles: [49.76, 40.18, -40.14, -49.9], spacingEntrance: 28.87, spacingFocalPlane: 0.67 },
  335: { angles: [50.4, 39.8, -39.64, -50.25], spacingEntrance: 31.83, spacingFocalPlane: 0.738 },
};

export const PSF_CHANNELS: readonly number[] = Object.keys(MESH).map(Number);

/** Mesh pitch / wire width (µm). */
const MESH_RATIO = 363.0 / 34.0;
/** W in exp(−W d²), d in px. */
const WIDTH = 4.5;
const AREA_NOT_MESH = 0.82;
/** Half-width of the evaluation window of one Gaussian, px: exp(−4.5·5²) ≈ 2e−49. */
const WINDOW = 5;

export class NoPsfModelError extends Error {
  constructor(readonly channel: number) {
    super(`no PSF model for channel ${channel} Å; level 1.6 needs one of ${PSF_CHANNELS.join(', ')}`);
    this.name = 'NoPsfModelError';
  }
}

export function psfParameters(channel: number): PsfParameters {
  const p = MESH[channel];
  if (!p) throw new NoPsfModelError(channel);
  return p;
}

function sinc(t: number): number {
  if (t === 0) return 1;
  const a = Math.PI * t;
  return Math.sin(a) / a;
}

/** exp(−W (i + 0.5 − centre)²) for the integer i in [lo, hi], clipped to [0, n). */
function gaussianWindow(centre: number, n: number): { lo: number; values: Float64Array } {
  const lo = Math.max(0, Math.ceil(centre - 0.5 - WINDOW));
  const hi = Math.min(n - 1, Math.floor(centre - 0.5 + WINDOW));
  const values = new Float64Array(Math.max(0, hi - lo + 1));
  for (let i = lo; i <= hi; i++) {
    const d = i + 0.5 - centre;
    values[i - lo] = Math.exp(-WIDTH * d * d);
  }
  return { lo, values };
}

/**
 * One filter's PSF, F = 0.18·S/ΣS + 0.82·G/ΣG, written into `out` (n×n row-major, zeroed first).
 * Spikes that fall outside the grid are dropped, as in aiapy.
 */
export function filterPsf(angles: readonly number[], spacing: number, out: Float64Array, n = PSF_SIZE): void {
  if (out.length !== n * n) throw new RangeError('filterPsf: output size');
  out.fill(0);
  const c = n / 2 + 0.5;
  interface Spike {
    amp: number;
    gx: { lo: number; values: Float64Array };
    gy: { lo: number; values: Float64Array };
  }
  const spikes: Spike[] = [];
  let total = 0;
  for (const deg of angles) {
    const th = deg * (Math.PI / 180);
    const cos = Math.cos(th);
    const sin = Math.sin(th);
    for (let m = -100; m <= 100; m++) {
      if (m === 0) continue;
      const s = sinc(m / MESH_RATIO);
      const amp = s * s;
      const gx = gaussianWindow(c + m * spacing * cos, n);
      const gy = gaussianWindow(c + m * spacing * sin, n);
      if (gx.values.length === 0 || gy.values.length === 0) continue;
      let sx = 0;
      for (const v of gx.values) sx += v;
      let sy = 0;
      for (const v of gy.values) sy += v;
      total += amp * sx * sy;
      spikes.push({ amp, gx, gy });
    }
  }
  const spikeScale = (1 - AREA_NOT_MESH) / total;
  for (const { amp, gx, gy } of spikes) {
    const a = amp * spikeScale;
    for (let j = 0; j < gy.values.length; j++) {
      const row = (gy.lo + j) * n + gx.lo;
      const ay = a * gy.values[j];
      for (let i = 0; i < gx.values.length; i++) out[row + i] += ay * gx.values[i];
    }
  }
  const g = gaussianWindow(c, n);
  let sg = 0;
  for (const v of g.values) sg += v;
  const coreScale = AREA_NOT_MESH / (sg * sg);
  for (let j = 0; j < g.values.length; j++) {
    const row = (g.lo + j) * n + g.lo;
    const ay = coreScale * g.values[j];
    for (let i = 0; i < g.values.length; i++) out[row + i] += ay * g.values[i];
  }
}

export interface ComputePsfOptions {
  engine?: FftEngine;
  /** Told after each of the build's PSF_BUILD_STEPS passes (a 4096² build takes seconds). */
  onStep?: (done: number, total: number) => void;
}

/** The passes of computePsf that onStep counts: two filters, five transforms, the shifted copy. */
export const PSF_BUILD_STEPS = 8;

/**
 * The 4096×4096 float64 PSF of an EUV channel (row-major, x fastest), peak at [2048, 2048].
 * Throws NoPsfModelError for channels without a model (1600, 1700, 4500, ...).
 */
export function computePsf(channel: number, options: ComputePsfOptions = {}): Float64Array {
  const p = psfParameters(channel);
  const n = PSF_SIZE;
  let done = 0;
  const step = () => options.onStep?.(++done, PSF_BUILD_STEPS);
  const plan = new Fft2dPlan(n, n, 'f64', options.engine);
  const buf = plan.alloc(plan.realBytes);
  const transfer = plan.alloc(plan.transferBytes);
  // transfer ← FFT2(F_fp), scaled so that one forward + inverse round trip is exact
  filterPsf([45.0, -45.0], p.spacingFocalPlane, plan.view(buf, n * n) as Float64Array, n);
  step();
  plan.rowsForward(buf);
  step();
  plan.colsForwardTo(transfer);
  plan.scale(transfer, plan.transferBytes, 2 / (n * n));
  step();
  // buf ← F_e ⊛ F_fp
  filterPsf(p.angles, p.spacingEntrance, plan.view(buf, n * n) as Float64Array, n);
  step();
  plan.rowsForward(buf);
  step();
  plan.colsConvolve(transfer, TransferKind.Transfer);
  step();
  plan.rowsInverse(buf);
  step();
  const conv = plan.view(buf, n * n);
  const out = new Float64Array(n * n);
  const mask = n - 1;
  for (let i = 0; i < n; i++) {
    const src = ((n / 2 - i) & mask) * n;
    const dst = i * n;
    // j = 0 reads column n/2; then columns n/2 − j wrap downwards
    for (let j = 0; j < n; j++) out[dst + j] = Math.abs(conv[src + ((n / 2 - j) & mask)]);
  }
  step();
  return out;
}
