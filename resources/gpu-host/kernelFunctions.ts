/**
 * The gpu.js kernel sources (float32): register's 4×4-tap resampling and the passes of
 * Richardson–Lucy with its FFTs. gpu.js translates each function's source to GLSL or WGSL, so they use
 * only what it can translate (no closures, numbers and 2-D arrays only). Complex images are
 * interleaved (re, im) float32 textures of 2w × h and every kernel returns one float, so the same
 * source runs on gpu.js's WebGPU and WebGL2 backends. Numbers a kernel indexes with are below 2^24, so
 * float arithmetic on them is exact on either.
 */
import type { IKernelFunctionThis } from 'gpu.js';

type Kernel = IKernelFunctionThis;
type Image = number[][];

/** scipy's mirror index of a tap outside [0, n). */
export function mirror(i: number, n: number): number {
  if (n <= 1) return 0;
  const period = 2 * n - 2;
  let j = i % period;
  if (j < 0) j = j + period;
  if (j >= n) j = period - j;
  return j;
}

/**
 * The weight of tap k (0…3, at offsets −1, 0, 1, 2) at fraction t: the cubic B-spline on prefiltered
 * coefficients (kind 0) or Keys cubic convolution with a = −0.5 (kind 1).
 */
export function tapWeight(kind: number, k: number, t: number): number {
  const u = 1 - t;
  if (kind < 0.5) {
    if (k < 0.5) return (u * u * u) / 6;
    if (k < 1.5) return (3 * t * t * t - 6 * t * t + 4) / 6;
    if (k < 2.5) return (3 * u * u * u - 6 * u * u + 4) / 6;
    return (t * t * t) / 6;
  }
  if (k < 0.5) {
    const a = 1 + t;
    return ((-0.5 * a + 2.5) * a - 4) * a + 2;
  }
  if (k < 1.5) return (1.5 * t - 2.5) * t * t + 1;
  if (k < 2.5) return (1.5 * u - 2.5) * u * u + 1;
  const b = 2 - t;
  return ((-0.5 * b + 2.5) * b - 4) * b + 2;
}

/**
 * One output pixel of register. A mapped coordinate is the sum of a per-row and a per-column part,
 * each split on the CPU into an integer and a fraction in float64, so the float32 sum keeps 1e-7 px
 * where forming it near 4096 in float32 would lose 5e-4 px. rows[r] = (xInt, xFrac, yInt, yFrac,
 * first column, last column) of the output columns that map inside the grid (decided on the CPU in
 * scipy's float64 order); cols[c] = (xInt, xFrac, yInt, yFrac). footprint is 1 where the 2×2 bilinear
 * footprint at a grid point touches a missing sample. A missing output is −3e38, below every clipped
 * value (NaN is not portable through shaders); Node turns it into the caller's missing value.
 */
export function resamplePixel(
  this: Kernel,
  coef: Image,
  footprint: Image,
  rows: Image,
  cols: Image,
  w: number,
  h: number,
  kind: number,
  masked: number,
  lo: number,
  hi: number,
): number {
  const c = this.thread.x;
  const r = this.thread.y;
  if (c < rows[r][4] || c > rows[r][5]) return -3e38;
  const sx = rows[r][1] + cols[c][1];
  const sy = rows[r][3] + cols[c][3];
  const flx = Math.floor(sx);
  const fly = Math.floor(sy);
  const fx = rows[r][0] + cols[c][0] + flx;
  const fy = rows[r][2] + cols[c][2] + fly;
  const tx = sx - flx;
  const ty = sy - fly;
  if (masked > 0.5) {
    const mx = Math.min(Math.max(fx, 0), w - 1);
    const my = Math.min(Math.max(fy, 0), h - 1);
    if (footprint[my][mx] > 0.5) return -3e38;
  }
  const wx0 = tapWeight(kind, 0, tx);
  const wx1 = tapWeight(kind, 1, tx);
  const wx2 = tapWeight(kind, 2, tx);
  const wx3 = tapWeight(kind, 3, tx);
  const wy0 = tapWeight(kind, 0, ty);
  const wy1 = tapWeight(kind, 1, ty);
  const wy2 = tapWeight(kind, 2, ty);
  const wy3 = tapWeight(kind, 3, ty);
  const x0 = mirror(fx - 1, w);
  const x1 = mirror(fx, w);
  const x2 = mirror(fx + 1, w);
  const x3 = mirror(fx + 2, w);
  const y0 = mirror(fy - 1, h);
  const y1 = mirror(fy, h);
  const y2 = mirror(fy + 1, h);
  const y3 = mirror(fy + 2, h);
  const v =
    wy0 * (wx0 * coef[y0][x0] + wx1 * coef[y0][x1] + wx2 * coef[y0][x2] + wx3 * coef[y0][x3]) +
    wy1 * (wx0 * coef[y1][x0] + wx1 * coef[y1][x1] + wx2 * coef[y1][x2] + wx3 * coef[y1][x3]) +
    wy2 * (wx0 * coef[y2][x0] + wx1 * coef[y2][x1] + wx2 * coef[y2][x2] + wx3 * coef[y2][x3]) +
    wy3 * (wx0 * coef[y3][x0] + wx1 * coef[y3][x1] + wx2 * coef[y3][x2] + wx3 * coef[y3][x3]);
  return Math.min(Math.max(v, lo), hi);
}

/*
 * Radix-2 Stockham passes (n = transform length in complex samples, span = the sub-transforms'
 * current length Ns): output o = g·2Ns + k + r·Ns takes a = in[g·Ns + k], b = in[g·Ns + k + n/2] and
 * gives a ± w^k·b, w = exp(∓iπ/Ns), from the float64-made table tw[0][t] = exp(−2πi t/n), a resident
 * 2n × 1 texture (sign = −1 conjugates it: the inverse). The result is in natural order. The row and
 * column kernels differ only in which axis o runs along; the helpers below are their shared part.
 */

/** The index g·Ns + k of output o's first input a (its second, b, is n/2 further). */
export function stockhamInput(o: number, span: number): number {
  return Math.floor(o / (2 * span)) * span + (o % span);
}

/** The twiddle index t of output o: w = tw[0][t]. */
export function stockhamTwiddle(o: number, span: number, n: number): number {
  return (o % span) * (n / (2 * span));
}

/** One part (0 real, 1 imaginary) of a ± w·b: `a` is that part of a; + in a group's first half. */
export function butterfly(
  o: number,
  span: number,
  part: number,
  a: number,
  br: number,
  bi: number,
  wr: number,
  wi: number,
): number {
  const s = 1 - 2 * (Math.floor(o / span) % 2);
  if (part < 0.5) return a + s * (br * wr - bi * wi);
  return a + s * (br * wi + bi * wr);
}

/** A Stockham pass over interleaved complex src, with the twiddle table tw; sign −1: inverse. */
type StockhamPass = (this: Kernel, src: Image, tw: Image, n: number, span: number, sign: number) => number;

/** A Stockham pass along rows: o runs along x (two floats a complex sample). */
export const fftRowPass: StockhamPass = function fftRowPass(src, tw, n, span, sign) {
  const o = Math.floor(this.thread.x / 2);
  const part = this.thread.x - 2 * o;
  const y = this.thread.y;
  const j = stockhamInput(o, span);
  const t = stockhamTwiddle(o, span, n);
  const b = 2 * (j + n / 2);
  return butterfly(
    o,
    span,
    part,
    src[y][2 * j + part],
    src[y][b],
    src[y][b + 1],
    tw[0][2 * t],
    sign * tw[0][2 * t + 1],
  );
};

/** A Stockham pass along columns: o runs along y. */
export const fftColumnPass: StockhamPass = function fftColumnPass(src, tw, n, span, sign) {
  const x = this.thread.x;
  const cx = Math.floor(x / 2);
  const o = this.thread.y;
  const j = stockhamInput(o, span);
  const t = stockhamTwiddle(o, span, n);
  const b = j + n / 2;
  return butterfly(
    o,
    span,
    x - 2 * cx,
    src[j][x],
    src[b][2 * cx],
    src[b][2 * cx + 1],
    tw[0][2 * t],
    sign * tw[0][2 * t + 1],
  );
};

/** z·P or z·conj(P), interleaved. */
export function multiplyTransfer(this: Kernel, z: Image, p: Image, conjugate: number): number {
  const x = this.thread.x;
  const y = this.thread.y;
  const cx = Math.floor(x / 2);
  const part = x - 2 * cx;
  const zr = z[y][2 * cx];
  const zi = z[y][2 * cx + 1];
  const pr = p[y][2 * cx];
  const pi = conjugate * p[y][2 * cx + 1];
  if (part < 0.5) return zr * pr - zi * pi;
  return zr * pi + zi * pr;
}

/**
 * img / blurred as a complex image (imaginary 0). img < 0 marks a missing pixel: ratio 1, the model
 * stands. |blurred| below 1e-30 gives 0 (only where the data are 0 too): as the CPU backend does.
 */
export function ratio(this: Kernel, blurred: Image, img: Image): number {
  const x = this.thread.x;
  const cx = Math.floor(x / 2);
  if (x - 2 * cx > 0.5) return 0;
  const y = this.thread.y;
  const d = img[y][cx];
  if (d < 0) return 1;
  const b = blurred[y][2 * cx];
  if (Math.abs(b) < 1e-30) return 0;
  return d / b;
}

/** u · Re(correction), kept complex (imaginary 0) for the next forward transform. */
export function update(this: Kernel, u: Image, correction: Image): number {
  const x = this.thread.x;
  const cx = Math.floor(x / 2);
  if (x - 2 * cx > 0.5) return 0;
  const y = this.thread.y;
  return u[y][2 * cx] * correction[y][2 * cx];
}

/** Real parts of an interleaved image (for reading back). */
export function realPart(this: Kernel, z: Image): number {
  return z[this.thread.y][2 * this.thread.x];
}

/** Scales by s (the OTF carries the inverse transform's 1/(w·h)). */
export function scale(this: Kernel, z: Image, s: number): number {
  return z[this.thread.y][this.thread.x] * s;
}

/** Uploads a float32 image once as a resident texture. */
export function copy(this: Kernel, a: Image): number {
  return a[this.thread.y][this.thread.x];
}
