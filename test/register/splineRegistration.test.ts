import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { fillMissing, findHoleRuns, pixelRuns } from '../../main/engine/register/missingPixels.js';
import type { Interpolation } from '../../main/engine/register/interpolation.js';
import { planRegistration, type RegistrationPlan } from '../../main/engine/register/registrationPlan.js';
import { registerToLevel15 } from '../../main/engine/register/registerToLevel15.js';
import { interiorColumns, outputRowsNearHoles } from '../../main/engine/register/resample.js';
import { columnChunkRows } from '../../main/engine/register/splinePrefilter.js';
import type { AiaGeometry } from '../../main/engine/aia/wcs.js';

function smoothImage(w: number, h: number): Float64Array {
  const img = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) img[y * w + x] = 100 + 40 * Math.sin(x / 7) * Math.cos(y / 5) + x * 0.3;
  }
  return img;
}

function geometry(over: Partial<AiaGeometry> = {}): AiaGeometry {
  return {
    crpix1: 32.5,
    crpix2: 32.5,
    cdelt1: 0.6,
    cdelt2: 0.6,
    crval1: 0,
    crval2: 0,
    rotation: [1, 0, 0, 1],
    rsunObs: 10,
    ...over,
  };
}

/** The identity map on the whole grid: every output pixel samples its own grid pixel. */
function identityRequest(
  backend: CpuBackend,
  img: Float64Array,
  w: number,
  h: number,
  interpolation: Interpolation,
) {
  const grid = backend.allocateFloat64(w * h);
  grid.set(img);
  return backend.resample({
    plan: {
      ...planRegistration(geometry(), w, h, 'default', interpolation),
      matrix: [1, 0, 0, 1],
      offset: [0, 0],
    },
    grid,
    missing: NaN,
    clipLo: -Infinity,
    clipHi: Infinity,
    outputType: 'float64',
  });
}

/**
 * A 96×90 frame under a scale (plate scale `cdelt`) and a rotation whose floors step by 2 or move to
 * the next row inside some of the resampler's interior steps.
 */
function scaledRotated(cdelt: number) {
  const [w, h] = [96, 90];
  const plan = planRegistration(
    geometry({
      crpix1: 47.3,
      crpix2: 44.6,
      cdelt1: cdelt,
      cdelt2: cdelt,
      rotation: [Math.cos(0.03), -Math.sin(0.03), Math.sin(0.03), Math.cos(0.03)],
    }),
    w,
    h,
    'default',
    'spline3',
  );
  return { w, h, img: smoothImage(w, h), plan };
}

/**
 * `img` as a grid of `element` samples in the backend, clip bounds inside its range, and a copy of the
 * coefficients resample reads (it prefilters the grid in place, and may write the product over it).
 */
function gridAndCoefficients(
  backend: CpuBackend,
  img: Float64Array,
  w: number,
  h: number,
  element: 'f32' | 'f64',
) {
  backend.reset();
  const allocate = (n: number) =>
    element === 'f32' ? backend.allocateFloat32(n) : backend.allocateFloat64(n);
  const grid = allocate(w * h);
  grid.set(img);
  const [clipLo, clipHi] = [Math.min(...grid) + 1, Math.max(...grid) - 1];
  const coefficients = allocate(w * h);
  coefficients.set(grid);
  backend.prefilter(coefficients, w, h);
  const g = element === 'f32' ? Float32Array.from(coefficients) : Float64Array.from(coefficients);
  return { grid, clipLo, clipHi, g };
}

/**
 * The cubic B-spline's 4 weights at fraction t as the kernels make them (x³/6 and x³/2 − x² + 2/3 for
 * x = 1 − t and t), every operation rounded by `round` (Math.fround for float32 lanes).
 */
/**
 * Calls `check` with every interior pixel of the plan (output index, grid point, floors), in groups of
 * `size` along each row as the resampler takes them (quads, pairs), and expects over 100 groups of each
 * kind: floors (x + p, y), whose taps are contiguous, and others.
 */
function checkInteriorGroups(
  plan: RegistrationPlan,
  size: number,
  check: (pixel: { at: number; x: number; y: number; fx: number; fy: number }) => void,
): void {
  const runs = new Int32Array(2 * plan.outputHeight);
  interiorColumns(plan, runs);
  const [a, b, c, d] = plan.matrix;
  const [ox, oy] = plan.offset;
  let contiguous = 0;
  let scattered = 0;
  for (let row = 0; row < plan.outputHeight; row++)
    for (let col = runs[2 * row]; col + size - 1 < runs[2 * row + 1]; col += size) {
      const pixels = Array.from({ length: size }, (_, p) => {
        const [x, y] = [(col + p) * a + row * b + ox, (col + p) * c + row * d + oy];
        return { at: row * plan.outputWidth + col + p, x, y, fx: Math.floor(x), fy: Math.floor(y) };
      });
      pixels.forEach(check);
      if (pixels.every((q, p) => q.fx === pixels[0].fx + p && q.fy === pixels[0].fy)) contiguous++;
      else scattered++;
    }
  expect(contiguous).toBeGreaterThan(100);
  expect(scattered).toBeGreaterThan(100);
}

function bsplineWeights(t: number, round = (v: number) => v): number[] {
  const farAndNear = (x: number) => {
    const square = round(x * x);
    const cube = round(square * x);
    return [round(cube * round(1 / 6)), round(round(round(cube * 0.5) - square) + round(2 / 3))];
  };
  const [w0, w2] = farAndNear(round(1 - t));
  const [w3, w1] = farAndNear(t);
  return [w0, w1, w2, w3];
}

describe('cubic B-spline prefilter and resampler (WebAssembly kernels)', () => {
  it('gives coefficients whose spline passes through every sample, odd sizes included', async () => {
    const backend = new CpuBackend({ threads: 1 });
    for (const [w, h] of [
      [37, 23],
      [64, 48],
      [2, 5],
    ]) {
      const img = smoothImage(w, h);
      backend.reset();
      const out = await identityRequest(backend, img, w, h, 'spline3');
      for (let i = 0; i < img.length; i++) expect(out[i]).toBeCloseTo(img[i], 10);
    }
  });

  it('gives the same pixels whatever the bands (thread counts, column blocks)', async () => {
    const w = 83;
    const h = 61;
    const img = smoothImage(w, h);
    const results: number[][] = [];
    for (const threads of [1, 2, 3]) {
      const backend = new CpuBackend({ threads });
      backend.reset();
      results.push(Array.from(await identityRequest(backend, img, w, h, 'spline3')));
      await backend.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
  it('prefilters a float32 grid in row chunks within 4e-7 of the float64 prefilter, the same on any thread count', async () => {
    // Heights of one chunk (60), of three (2100, the columns' carries crossing two chunk joins and,
    // with 2 and 3 threads, thread bands), and one too short for chunks (40: the row and column
    // kernels); widths of every remainder mod 4 (the whole-row walk's four-column steps and its tail).
    const sizes = [
      [37, 2100],
      [38, 60],
      [39, 40],
      [40, 2100],
      [2, 60],
    ];
    expect(columnChunkRows(2100)).toBe(700);
    expect(columnChunkRows(60)).toBe(60);
    expect(columnChunkRows(40)).toBeUndefined();
    const results: number[][][] = [];
    for (const threads of [1, 2, 3]) {
      const backend = new CpuBackend({ threads, ownEngine: true });
      try {
        const perSize: number[][] = [];
        for (const [w, h] of sizes) {
          backend.reset();
          const img = smoothImage(w, h).map((v, i) => v + ((i * 7919) % 97));
          const grid32 = backend.allocateFloat32(w * h);
          const grid64 = backend.allocateFloat64(w * h);
          grid32.set(img);
          grid64.set(grid32);
          backend.prefilter(grid32, w, h);
          backend.prefilter(grid64, w, h);
          let worst = 0;
          let max = 0;
          for (let i = 0; i < w * h; i++) {
            worst = Math.max(worst, Math.abs(grid32[i] - grid64[i]));
            max = Math.max(max, Math.abs(grid64[i]));
          }
          expect(worst).toBeLessThanOrEqual(4e-7 * max);
          perSize.push(Array.from(grid32));
        }
        results.push(perSize);
      } finally {
        await backend.dispose();
      }
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('sums a float32 grid’s interior quads in float32, in the same order whether their taps are contiguous or not', async () => {
    // Quads whose floors are not (x + p, y) take the per-pixel taps, the others one load per tap for all
    // four pixels; both must give these sums.
    const { w, h, img, plan } = scaledRotated(0.59);
    const backend = new CpuBackend({ threads: 2 });
    try {
      const { grid, clipLo, clipHi, g } = gridAndCoefficients(backend, img, w, h, 'f32');
      const out = await backend.resample({ plan, grid, missing: NaN, clipLo, clipHi, outputType: 'float32' });
      const f = Math.fround;
      const weights = (t: number) => bsplineWeights(t, f);
      checkInteriorGroups(plan, 4, ({ at, x, y, fx, fy }) => {
        const [wx, wy] = [weights(f(x - fx)), weights(f(y - fy))];
        const tap = (j: number, k: number) => g[(fy - 1 + k) * w + fx - 1 + j];
        const sums = [0, 1, 2, 3].map((j) =>
          f(f(f(f(tap(j, 0) * wy[0]) + f(tap(j, 1) * wy[1])) + f(tap(j, 2) * wy[2])) + f(tap(j, 3) * wy[3])),
        );
        const v = f(f(f(sums[0] * wx[0]) + f(sums[1] * wx[1])) + f(f(sums[2] * wx[2]) + f(sums[3] * wx[3])));
        expect(out[at]).toBe(Math.min(f(clipHi), Math.max(f(clipLo), v)));
      });
    } finally {
      await backend.dispose();
    }
  });

  it('sums a float64 grid’s interior pairs in the per-pixel order, bit for bit, whether their taps are contiguous or not', async () => {
    // Pairs whose floors are (x, y) and (x + 1, y) take one load per tap for both pixels, the others go
    // pixel by pixel; both must give the float64 sums of the per-pixel order (aiapy mode's exactness).
    const { w, h, img, plan } = scaledRotated(0.55);
    const backend = new CpuBackend({ threads: 2 });
    try {
      for (const outputType of ['float64', 'float32'] as const) {
        const { grid, clipLo, clipHi, g } = gridAndCoefficients(backend, img, w, h, 'f64');
        const out = await backend.resample({ plan, grid, missing: NaN, clipLo, clipHi, outputType });
        const rounded = outputType === 'float32' ? Math.fround : (v: number) => v;
        checkInteriorGroups(plan, 2, ({ at, x, y, fx, fy }) => {
          const [wx, wy] = [bsplineWeights(x - fx), bsplineWeights(y - fy)];
          const tap = (j: number, k: number) => g[(fy - 1 + k) * w + fx - 1 + j];
          const rows = [0, 1, 2, 3].map(
            (k) => wx[0] * tap(0, k) + wx[2] * tap(2, k) + (wx[1] * tap(1, k) + wx[3] * tap(3, k)),
          );
          const sum = wy[0] * rows[0] + wy[2] * rows[2] + (wy[1] * rows[1] + wy[3] * rows[3]);
          const v = sum < clipLo ? clipLo : sum > clipHi ? clipHi : sum;
          expect(out[at]).toBe(rounded(v));
        });
      }
    } finally {
      await backend.dispose();
    }
  });
});

describe('registerToLevel15', () => {
  it('puts the Sun centre on the array centre: a pure shift moves the image by the CRPIX offset', async () => {
    const w = 64;
    const img = smoothImage(w, w);
    const backend = new CpuBackend({ threads: 1 });
    // Sun centre 2 px right of and 3 px above the array centre (32.5): output pixel q samples q + (2, 3).
    const r = await registerToLevel15(
      img,
      w,
      w,
      geometry({ crpix1: 34.5, crpix2: 35.5 }),
      { mode: 'default', interpolation: 'spline3', outputType: 'float64' },
      backend,
    );
    expect(r.plan.crpix1).toBe(32.5);
    expect(r.width).toBe(64);
    expect(r.data[10 * w + 10]).toBeCloseTo(img[13 * w + 12], 9);
    expect(Number.isNaN(r.data[10 * w + 62])).toBe(true);
  });

  it('gives the same pixels on worker threads as on the calling thread', async () => {
    const w = 96;
    const img = smoothImage(w, w);
    const g = geometry({
      crpix1: 47.3,
      crpix2: 49.1,
      rotation: [Math.cos(0.01), -Math.sin(0.01), Math.sin(0.01), Math.cos(0.01)],
    });
    const inline = new CpuBackend({ threads: 1 });
    const workers = new CpuBackend({ threads: 2 });
    try {
      for (const interpolation of ['spline3', 'cubic-conv', 'linear', 'nearest'] as const) {
        const options = { mode: 'default' as const, interpolation, outputType: 'float32' as const };
        const a = await registerToLevel15(img, w, w, g, options, inline);
        const b = await registerToLevel15(img, w, w, g, options, workers);
        expect(Array.from(b.data)).toEqual(Array.from(a.data));
      }
    } finally {
      await workers.dispose();
    }
  });

  it('makes a default-mode float32 product from a float32 grid within 1e-6 of the float64 grid’s', async () => {
    // Default mode with float32 output lays out, prefilters and resamples a float32 grid; the same
    // frame through a float64 grid (float64 output) is the reference. Holes, odd sizes and the border.
    const [w, h] = [77, 69];
    const img = smoothImage(w, h);
    img[20 * w + 30] = NaN;
    for (let x = 5; x < 25; x++) img[40 * w + x] = NaN;
    const g = geometry({
      crpix1: 38.3,
      crpix2: 35.1,
      cdelt1: 0.59,
      cdelt2: 0.59,
      rotation: [Math.cos(0.02), -Math.sin(0.02), Math.sin(0.02), Math.cos(0.02)],
    });
    const backend = new CpuBackend({ threads: 2 });
    try {
      for (const interpolation of ['spline3', 'cubic-conv', 'linear'] as const) {
        const options = { mode: 'default' as const, interpolation };
        const f32 = await registerToLevel15(img, w, h, g, { ...options, outputType: 'float32' }, backend);
        const a = Float32Array.from(f32.data);
        const b = (await registerToLevel15(img, w, h, g, { ...options, outputType: 'float64' }, backend))
          .data;
        let worst = 0;
        let max = 0;
        for (let i = 0; i < a.length; i++) {
          expect(Number.isNaN(a[i])).toBe(Number.isNaN(b[i]));
          if (Number.isNaN(b[i])) continue;
          worst = Math.max(worst, Math.abs(a[i] - b[i]));
          max = Math.max(max, Math.abs(b[i]));
        }
        expect(a.filter(Number.isNaN).length).toBeGreaterThan(20);
        expect(worst).toBeLessThanOrEqual(1e-6 * max);
      }
    } finally {
      await backend.dispose();
    }
  });

  it('keeps missing pixels missing only around the hole, finite elsewhere', async () => {
    const w = 64;
    const img = smoothImage(w, w);
    img[20 * w + 30] = NaN;
    for (let x = 5; x < 25; x++) img[40 * w + x] = NaN; // a row stretch, as JSOC BLANK runs
    const r = await registerToLevel15(
      img,
      w,
      w,
      geometry({ crpix1: 33.1, crpix2: 32.2 }),
      { mode: 'default', interpolation: 'spline3', outputType: 'float64' },
      new CpuBackend({ threads: 1 }),
    );
    let nanCount = 0;
    for (let y = 2; y < w - 2; y++) {
      for (let x = 2; x < w - 2; x++) {
        const v = r.data[y * w + x];
        if (Number.isNaN(v)) {
          nanCount++;
          // Output (x, y) samples input (x + 0.6, y − 0.3): only pixels next to a hole may be missing.
          const nearPoint = Math.abs(x + 0.6 - 30) < 1 && Math.abs(y - 0.3 - 20) < 1;
          const nearRow = Math.abs(y - 0.3 - 40) < 1 && x + 0.6 > 4 && x + 0.6 < 25;
          expect(nearPoint || nearRow).toBe(true);
        } else {
          expect(Number.isFinite(v)).toBe(true);
        }
      }
    }
    expect(nanCount).toBeGreaterThan(20);
  });

  it('finds a hole in the last columns of a row whose width is not a multiple of 16', async () => {
    // The per-row mask summary reads 16 bytes at a time, then the row's tail byte by byte.
    const w = 61;
    const img = smoothImage(w, w);
    img[20 * w + 58] = NaN;
    const r = await registerToLevel15(
      img,
      w,
      w,
      geometry({ crpix1: 31.6, crpix2: 30.7 }),
      { mode: 'default', interpolation: 'spline3', outputType: 'float64' },
      new CpuBackend({ threads: 2 }),
    );
    // Output (x, y) samples input (x + 0.6, y − 0.3): the 2×2 footprints of (57..58, 20..21) hold (58, 20).
    for (const [x, y] of [
      [57, 20],
      [58, 20],
      [57, 21],
      [58, 21],
    ])
      expect(Number.isNaN(r.data[y * w + x])).toBe(true);
    expect(Number.isFinite(r.data[20 * w + 55])).toBe(true);
  });
});

describe('fillMissing', () => {
  it('fills holes from their nearest valid neighbours and reports them', () => {
    const w = 5;
    const grid = Float64Array.from({ length: 25 }, (_, i) => i);
    grid[12] = NaN;
    const mask = fillMissing(grid, w, 5)!;
    expect(grid[12]).toBeCloseTo(12, 12);
    expect(Array.from(mask).reduce((a, b) => a + b)).toBe(1);
    expect(fillMissing(Float64Array.from([1, 2, 3]), 3, 1)).toBeUndefined();
  });

  it('finds holes in any block of 8 and in the tail, but not where ∞ − ∞ makes a block sum NaN', () => {
    const grid = Float64Array.from({ length: 21 }, (_, i) => i);
    for (const i of [7, 8, 20]) grid[i] = NaN;
    grid[10] = Infinity;
    grid[11] = -Infinity;
    const mask = fillMissing(grid, 21, 1)!;
    expect(Array.from(mask.keys()).filter((i) => mask[i] === 1)).toEqual([7, 8, 20]);
  });
  /**
   * The fill by its definition: per hole, the first valid pixel within 32 to the right, left, below and
   * above, summed in that order with weights 1/distance; the valid pixels' mean where none is found.
   */
  function filledByDefinition(grid: Float32Array | Float64Array, width: number, height: number) {
    const out = grid.slice();
    const valid = (x: number, y: number) => !Number.isNaN(grid[y * width + x]);
    const validValues = Array.from(grid).filter((v) => !Number.isNaN(v));
    for (let i = 0; i < grid.length; i++) {
      if (!Number.isNaN(grid[i])) continue;
      const [x, y] = [i % width, Math.floor(i / width)];
      let weighted = 0;
      let weights = 0;
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        for (let d = 1; d <= 32; d++) {
          const [xx, yy] = [x + dx * d, y + dy * d];
          if (xx < 0 || xx >= width || yy < 0 || yy >= height) break;
          if (valid(xx, yy)) {
            weighted += grid[yy * width + xx] / d;
            weights += 1 / d;
            break;
          }
        }
      }
      out[i] = weights > 0 ? weighted / weights : validValues.reduce((a, b) => a + b, 0) / validValues.length;
    }
    return out;
  }

  it('fills wide holes as its definition does, bit for bit: bands, runs past 32, edges, lone pixels', () => {
    const [w, h] = [97, 150];
    for (const Grid of [Float64Array, Float32Array]) {
      const grid = new Grid(w * h).map((_, i) => 100 + 50 * Math.sin(i * 0.37) + (i % 13));
      const hole = (x: number, y: number) => (grid[y * w + x] = NaN);
      for (let y = 0; y < 70; y++) for (let x = 0; x < w; x++) hole(x, y); // a band: many with no neighbour within 32
      for (let x = 5; x < 80; x++) hole(x, 90); // a run longer than 32
      for (let y = 75; y < 140; y++) hole(96, y); // the right edge
      for (let y = 100; y < 149; y++) hole(40, y); // a column run
      for (let x = 0; x < 10; x++) hole(x, 149); // the bottom edge
      for (let k = 0; k < 200; k++) hole((k * 37) % w, 70 + ((k * 53) % (h - 70))); // lone pixels
      const expected = filledByDefinition(grid, w, h);
      const holes = Array.from(grid.keys()).filter((i) => Number.isNaN(grid[i]));
      const mask = fillMissing(grid, w, h)!;
      expect(Array.from(grid)).toEqual(Array.from(expected));
      expect(Array.from(mask.keys()).filter((i) => mask[i] === 1)).toEqual(holes);
    }
  });

  it('fills the rows of a band deep inside it as its definition does, wherever the band lies', () => {
    const [w, h] = [41, 260];
    // (rows missing whole: a band mid-frame; one cut by a single valid pixel and by a partial row; one
    // to the bottom edge; stretches too short to have rows 32 from their ends)
    const bands: Array<Array<[number, number]>> = [
      [[40, 150]],
      [
        [10, 90],
        [91, 180],
      ],
      [[150, 260]],
      [
        [0, 60],
        [61, 100],
        [120, 130],
        [200, 260],
      ],
    ];
    for (const rows of bands) {
      const grid = Float64Array.from({ length: w * h }, (_, i) => 100 + 50 * Math.sin(i * 0.37) + (i % 13));
      for (const [from, to] of rows) grid.fill(NaN, from * w, to * w);
      grid[120 * w + 7] = 1; // inside the second layout's lower band: its row is not whole
      grid.fill(NaN, 95 * w, 95 * w + 20);
      const expected = filledByDefinition(grid, w, h);
      fillMissing(grid, w, h);
      expect(Array.from(grid)).toEqual(Array.from(expected));
    }
  });

  it('refuses runs of holes out of order, across a row, or cut short', () => {
    const grid = Float64Array.from({ length: 16 }, (_, i) => (i === 2 || i === 3 || i === 9 ? NaN : i));
    for (const runs of [
      [9, 10, 2, 4], // out of order
      [2, 4, 2, 4], // twice
      [2, 5], // across the end of row 0
      [2, 3, 3, 4], // one run given as two
      [9, 9], // empty
      [15, 17], // past the grid
    ])
      expect(() => fillMissing(grid.slice(), 4, 4, undefined, Int32Array.from(runs))).toThrow(/ascending/);
    // a run that ends a row and one that starts the next are two runs
    const rows = Float64Array.from({ length: 16 }, (_, i) => (i === 3 || i === 4 ? NaN : i));
    expect(fillMissing(rows, 4, 4, undefined, Int32Array.from([3, 4, 4, 5]))).toBeDefined();
  });

  it('finds every NaN as a test per sample does: runs across blocks of 8, from and to the ends', () => {
    for (const length of [1, 7, 8, 9, 63, 64, 1001]) {
      for (const runs of [
        [[0, length]],
        [
          [0, 1],
          [length - 1, length],
        ],
        [
          [3, 13],
          [16, 17],
          [23, 41],
          [length - 9, length],
        ],
      ]) {
        const grid = new Float32Array(length).map((_, i) => i);
        for (const [a, b] of runs) grid.fill(NaN, Math.max(0, a), Math.min(length, b));
        const expected = Array.from(grid.keys()).filter((i) => Number.isNaN(grid[i]));
        // rows of 10: runs are cut at their ends
        expect(findHoleRuns(grid, 10)).toEqual(pixelRuns(expected, 10));
      }
    }
  });

  it('splits a pixel list into runs along rows', () => {
    // width 5: 3..7 crosses from row 0 into row 1; 9 ends row 1; 10 starts row 2
    expect(Array.from(pixelRuns([1, 3, 4, 5, 6, 7, 9, 10, 12, 13], 5))).toEqual([
      1, 2, 3, 5, 5, 8, 9, 10, 10, 11, 12, 14,
    ]);
    expect(pixelRuns([], 5)).toHaveLength(0);
    expect(() => pixelRuns([4, 2], 5)).toThrow(/ascending/);
  });
});

describe('CpuBackend.range', () => {
  it('lists the NaN samples of its window as grid indices, pairs and odd tails alike', () => {
    const backend = new CpuBackend({ threads: 2 });
    backend.reset();
    const [gw, gh] = [23, 9];
    const grid = backend.allocateFloat64(gw * gh).fill(1);
    // Window (2, 1) 19×7: holes in a pair, at the odd tail column, and one outside the window.
    const holes = [1 * gw + 2, 3 * gw + 11, 3 * gw + 12, 7 * gw + 20];
    for (const i of [...holes, 0]) grid[i] = NaN;
    grid[5 * gw + 7] = -4;
    const range = backend.range({ grid, gridWidth: gw, x0: 2, y0: 1, width: 19, height: 7 });
    expect(range).toMatchObject({ min: -4, max: 1, nans: 4 });
    expect(range.missingRuns).toEqual(pixelRuns(holes, gw));
  });

  it('lists every hole however many there are: every other pixel of 200 rows, a band of 150 rows', async () => {
    const w = 1024;
    const img = smoothImage(w, w);
    for (let y = 300; y < 500; y++) for (let x = 0; x < w; x += 2) img[y * w + x] = NaN;
    img.fill(NaN, 600 * w, 750 * w);
    const backend = new CpuBackend({ threads: 2 });
    backend.reset();
    const grid = backend.allocateFloat64(w * w);
    grid.set(img);
    const range = backend.range({ grid, gridWidth: w, x0: 0, y0: 0, width: w, height: w });
    expect(range.nans).toBe(102_400 + 150 * w);
    expect(range.missingRuns).toEqual(findHoleRuns(img, w));
    const r = await registerToLevel15(
      img,
      w,
      w,
      geometry({ crpix1: 512.5, crpix2: 512.5 }),
      { mode: 'default', interpolation: 'spline3', outputType: 'float64' },
      backend,
    );
    expect(Number.isNaN(r.data[400 * w + 300])).toBe(true);
    expect(Number.isNaN(r.data[700 * w + 300])).toBe(true);
    expect(Number.isFinite(r.data[100 * w + 300])).toBe(true);
  });
});

describe('outputRowsNearHoles', () => {
  it('flags every output row with a footprint on a grid row that has a hole, and few others', () => {
    const [w, h] = [64, 64];
    // Rotated 20° and rescaled, so output rows cross several grid rows.
    const [cos, sin] = [Math.cos(0.35), Math.sin(0.35)];
    const plan = planRegistration(
      geometry({ rotation: [cos, -sin, sin, cos], cdelt1: 0.5, cdelt2: 0.5 }),
      w,
      h,
      'default',
      'spline3',
    );
    const holeRows = new Uint8Array(h);
    for (const y of [5, 40, 63]) holeRows[y] = 1;
    const flags = new Uint8Array(plan.outputHeight);
    outputRowsNearHoles(plan, holeRows, flags);
    const [a, b, c, d] = plan.matrix;
    const needed = new Uint8Array(plan.outputHeight);
    for (let row = 0; row < plan.outputHeight; row++) {
      for (let col = 0; col < plan.outputWidth; col++) {
        const [qx, qy] = [col + plan.qOrigin[0], row + plan.qOrigin[1]];
        const x = qx * a + qy * b + plan.offset[0];
        const y = qx * c + qy * d + plan.offset[1];
        if (!(x >= 0 && x <= w - 1 && y >= 0 && y <= h - 1)) continue;
        const fy = Math.floor(y);
        if (holeRows[fy] || holeRows[Math.min(fy + 1, h - 1)]) needed[row] = 1;
      }
    }
    for (let row = 0; row < plan.outputHeight; row++)
      if (needed[row]) expect(flags[row], `row ${row}`).toBe(1);
    const flagged = flags.reduce((n, f) => n + f, 0);
    expect(flagged).toBeGreaterThan(0);
    expect(flagged).toBeLessThan(plan.outputHeight);
  });
});

describe('interiorColumns', () => {
  it('is, row by row, exactly the run of columns whose 16 taps are all inside, as the kernel tests it', () => {
    const [w, h] = [40, 30];
    const [cos, sin] = [Math.cos(0.5), Math.sin(0.5)];
    const plan = planRegistration(
      geometry({ rotation: [cos, -sin, sin, cos], cdelt1: 0.45 }),
      w,
      h,
      'default',
      'spline3',
    );
    const runs = new Int32Array(2 * plan.outputHeight);
    interiorColumns(plan, runs);
    const [a, b, c, d] = plan.matrix;
    let interiorRows = 0;
    for (let row = 0; row < plan.outputHeight; row++) {
      const qy = row + plan.qOrigin[1];
      const expected: number[] = [];
      for (let col = 0; col < plan.outputWidth; col++) {
        const qx = col + plan.qOrigin[0];
        const x = qx * a + qy * b + plan.offset[0];
        const y = qx * c + qy * d + plan.offset[1];
        if (x >= 1 && x < w - 2 && y >= 1 && y < h - 2) expected.push(col);
      }
      const [lo, end] = [runs[2 * row], runs[2 * row + 1]];
      const got = Array.from({ length: end - lo }, (_, i) => lo + i);
      expect(got, `row ${row}`).toEqual(expected);
      if (got.length > 0) interiorRows++;
    }
    expect(interiorRows).toBeGreaterThan(0);
    expect(interiorRows).toBeLessThan(plan.outputHeight);
  });
});

describe('a float32 product written over its own grid', () => {
  /** The product of `img` (NaN: holes) under the geometry, on `backend`; `apart`: the grid not first. */
  async function product(
    backend: CpuBackend,
    img: Float64Array,
    [w, h]: [number, number],
    geometryOf: Partial<AiaGeometry>,
    interpolation: Interpolation,
    apart: boolean,
  ) {
    backend.reset();
    if (apart) backend.allocateFloat32(16);
    const grid = backend.allocateFloat32(w * h);
    grid.set(img);
    const holes = findHoleRuns(img, w);
    const mask = fillMissing(grid, w, h, (n) => backend.allocateMask(n), holes);
    const [gridStart, gridEnd] = [grid.byteOffset, grid.byteOffset + grid.byteLength];
    const out = await backend.resample({
      plan: planRegistration(geometry(geometryOf), w, h, 'default', interpolation),
      grid,
      mask,
      holeRuns: holes,
      missing: NaN,
      clipLo: 50,
      clipHi: 190,
      outputType: 'float32',
    });
    const over = out.byteOffset < gridEnd && out.byteOffset + out.byteLength > gridStart;
    return { bits: Array.from(new Uint32Array(out.buffer, out.byteOffset, out.length)), over };
  }

  it('is bit for bit the product written apart, on 1–3 threads, maps moving rows up or down, holes included', async () => {
    const size: [number, number] = [301, 280];
    const img = smoothImage(...size);
    // holes near the 2- and 3-thread band joins and at the borders
    for (const i of [0, 93 * 301 + 7, 140 * 301 + 150, 187 * 301 + 300, 279 * 301 + 11]) img[i] = NaN;
    const turn = (deg: number): AiaGeometry['rotation'] => {
      const [c, s] = [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
      return [c, -s, s, c];
    };
    const maps: Partial<AiaGeometry>[] = [
      { crpix1: 149.2, crpix2: 149.7, cdelt1: 0.5997, cdelt2: 0.5997, rotation: turn(0.6) },
      { crpix1: 153.9, crpix2: 128.1, cdelt1: 0.6012, cdelt2: 0.6012, rotation: turn(-0.8) },
      { crpix1: 151, crpix2: 140.5 },
    ];
    for (const interpolation of ['spline3', 'cubic-conv'] as const)
      for (const map of maps) {
        const products: number[][] = [];
        for (const threads of [1, 2, 3]) {
          const backend = new CpuBackend({ threads, ownEngine: true });
          try {
            const over = await product(backend, img, size, map, interpolation, false);
            const apart = await product(backend, img, size, map, interpolation, true);
            expect([over.over, apart.over]).toEqual([true, false]);
            expect(over.bits).toEqual(apart.bits);
            products.push(over.bits);
          } finally {
            await backend.dispose();
          }
        }
        expect(products[1]).toEqual(products[0]);
        expect(products[2]).toEqual(products[0]);
      }
  });
});
