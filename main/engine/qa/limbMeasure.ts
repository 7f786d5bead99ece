/** Where the Sun is in a registered product, and how sharp its disk is, from the pixels. */
export interface LimbMeasure {
  /** Sun centre found from the limb minus the expected centre, pixels (x right, y up the rows). */
  offsetX: number;
  offsetY: number;
  /** Fitted limb radius over the expected radius. */
  radiusRatio: number;
  /** Rays whose limb entered the fit. */
  rays: number;
}

export interface DiskMeasure {
  limb?: LimbMeasure;
  /** RMS of the 5-point Laplacian over the mean, inside 0.9 R: falls when the frame is blurred. */
  sharpness?: number;
  /** Share of the disk's pixels (sampled rows) without data. */
  diskMissing: number;
}

const RAYS = 180;
const MIN_RAYS = 24;

/**
 * Measures the limb along RAYS radial rays (the steepest intensity drop between 0.85 and 1.15 R on
 * each, refined to a fraction of a sample), fits r(θ) = R + a·cos θ + b·sin θ (a, b = where the
 * centre really is), drops rays more than 3 robust sigmas off and fits again; and the disk's
 * high-frequency energy on every `rowStep`-th row. `centre` is 0-based, `radius` in pixels.
 */
export function measureDisk(
  data: Float32Array | Float64Array,
  width: number,
  height: number,
  centre: { x: number; y: number },
  radius: number,
): DiskMeasure {
  return {
    limb: fitLimb(data, width, height, centre, radius),
    ...diskEnergy(data, width, height, centre, radius),
  };
}

function fitLimb(
  data: Float32Array | Float64Array,
  width: number,
  height: number,
  centre: { x: number; y: number },
  radius: number,
): LimbMeasure | undefined {
  const step = Math.min(0.5, (0.3 * radius) / 48);
  const samples = Math.floor((0.3 * radius) / step) + 1;
  // the drop over ±0.5 % of R (≥ 1 px): the limb's step, not the network's pixel-to-pixel contrast
  const lag = Math.max(1, Math.round(Math.max(1, 0.005 * radius) / step));
  const profile = new Float64Array(samples);
  const angles: number[] = [];
  const radii: number[] = [];
  for (let k = 0; k < RAYS; k++) {
    const theta = (2 * Math.PI * k) / RAYS;
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    touchRay(data, width, centre.x + 0.85 * radius * c, centre.y + 0.85 * radius * s, c, s, 0.3 * radius);
    // bilinear interpolation written out: as a function V8 kept it a call (a fifth of the limb's time)
    let complete = true;
    for (let i = 0; i < samples; i++) {
      const r = 0.85 * radius + i * step;
      const x = centre.x + r * c;
      const y = centre.y + r * s;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) {
        complete = false;
        break;
      }
      const fx = x - x0;
      const fy = y - y0;
      const at = y0 * width + x0;
      const top = data[at] * (1 - fx) + data[at + 1] * fx;
      const bottom = data[at + width] * (1 - fx) + data[at + width + 1] * fx;
      const value = top * (1 - fy) + bottom * fy;
      if (!Number.isFinite(value)) {
        complete = false;
        break;
      }
      profile[i] = value;
    }
    if (!complete) continue;
    let steepest = lag;
    let drop = Infinity;
    for (let i = lag; i < samples - lag; i++) {
      const d = profile[i + lag] - profile[i - lag];
      if (d < drop) [drop, steepest] = [d, i];
    }
    if (!(drop < 0)) continue;
    // sub-sample: the vertex of the parabola through the differences around the steepest one
    const difference = (i: number) =>
      i - lag >= 0 && i + lag < samples ? profile[i + lag] - profile[i - lag] : drop;
    const left = difference(steepest - 1);
    const right = difference(steepest + 1);
    const curvature = left + right - 2 * drop;
    const shift = curvature > 0 ? Math.max(-1, Math.min(1, (left - right) / (2 * curvature))) : 0;
    angles.push(theta);
    radii.push(0.85 * radius + (steepest + shift) * step);
  }
  // Start from the median radius and no offset, so that up to half the rays may be wrong (a data
  // gap's straight edge, an eruption) without pulling the start; then fit and reject, three times.
  let fit: Circle | undefined = { r: median(radii), a: 0, b: 0, n: radii.length };
  for (let round = 0; round < 3 && fit; round++) {
    const current: Circle = fit;
    const residuals = angles.map((t, i) => Math.abs(radii[i] - circleAt(current, t)));
    const limit = Math.max(3 * 1.4826 * median(residuals), 0.5);
    fit = fitCircle(
      angles.filter((_, i) => residuals[i] <= limit),
      radii.filter((_, i) => residuals[i] <= limit),
    );
  }
  if (!fit) return undefined;
  return { offsetX: fit.a, offsetY: fit.b, radiusRatio: fit.r / radius, rays: fit.n };
}

/**
 * Reads the two rows under a ray every pixel along `length` pixels from (x, y), before its samples
 * are taken: a few instructions a read, so that many of the ray's cache misses (a row each, on a
 * steep ray) are in flight at once, where the samples (tens of instructions each) met them one or
 * two at a time. The sum is returned only so that no compiler may drop the reads as unused.
 */
function touchRay(
  data: Float32Array | Float64Array,
  width: number,
  x: number,
  y: number,
  c: number,
  s: number,
  length: number,
): number {
  const end = data.length - width;
  let sum = 0;
  for (let i = 0; i < length; i++, x += c, y += s) {
    const at = Math.floor(y) * width + Math.floor(x);
    if (at >= 0 && at < end) sum += data[at] + data[at + width];
  }
  return sum;
}

interface Circle {
  r: number;
  a: number;
  b: number;
  n: number;
}

const circleAt = (f: Circle, t: number) => f.r + f.a * Math.cos(t) + f.b * Math.sin(t);

/** Least squares r = R + a cos θ + b sin θ (normal equations, 3×3, Cramer's rule). */
function fitCircle(angles: number[], radii: number[]): Circle | undefined {
  const n = angles.length;
  if (n < MIN_RAYS) return undefined;
  let sc = 0, ss = 0, scc = 0, sss = 0, scs = 0, sr = 0, src = 0, srs = 0; // prettier-ignore
  for (let i = 0; i < n; i++) {
    const c = Math.cos(angles[i]);
    const s = Math.sin(angles[i]);
    sc += c;
    ss += s;
    scc += c * c;
    sss += s * s;
    scs += c * s;
    sr += radii[i];
    src += radii[i] * c;
    srs += radii[i] * s;
  }
  const m = [
    [n, sc, ss],
    [sc, scc, scs],
    [ss, scs, sss],
  ];
  const det = det3(m);
  if (Math.abs(det) < 1e-9 * n * n * n) return undefined;
  const v = [sr, src, srs];
  const column = (j: number) => det3(m.map((row, i) => row.map((x, k) => (k === j ? v[i] : x))));
  return { r: column(0) / det, a: column(1) / det, b: column(2) / det, n };
}

function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Laplacian energy inside 0.9 R and missing pixels inside R, on every rowStep-th row (4096²: every 8th). */
function diskEnergy(
  data: Float32Array | Float64Array,
  width: number,
  height: number,
  centre: { x: number; y: number },
  radius: number,
): Pick<DiskMeasure, 'sharpness' | 'diskMissing'> {
  const rowStep = Math.max(1, Math.floor(height / 512));
  const inner = 0.9 * radius;
  let sumSquares = 0;
  let sum = 0;
  let used = 0;
  let diskPixels = 0;
  let diskMissing = 0;
  for (let y = 1; y < height - 1; y += rowStep) {
    const dy = y - centre.y;
    const outerHalf = radius * radius - dy * dy;
    if (outerHalf <= 0) continue;
    const outer = Math.sqrt(outerHalf);
    const innerHalf = inner * inner - dy * dy;
    const chord = innerHalf > 0 ? Math.sqrt(innerHalf) : -1;
    const from = Math.max(1, Math.ceil(centre.x - outer));
    const to = Math.min(width - 2, Math.floor(centre.x + outer));
    if (to < from) continue;
    // the chord inside 0.9 R, where the Laplacian is summed; the rest of the disk's row is only counted
    const innerFrom = chord < 0 ? to + 1 : Math.max(from, Math.ceil(centre.x - chord));
    const innerTo = chord < 0 ? to : Math.min(to, Math.floor(centre.x + chord));
    const row = y * width;
    diskPixels += to - from + 1;
    for (let x = from; x < innerFrom; x++) if (!Number.isFinite(data[row + x])) diskMissing++;
    // The row first without a test per pixel (each pixel and its left neighbour carried over from the
    // one before): a sum of squares still finite after it means every pixel and Laplacian of the row
    // was, so the sums are those the tested loop below makes. Else that loop, over the row again.
    let rowSquares = sumSquares;
    let rowSum = sum;
    let left = data[row + innerFrom - 1];
    let middle = data[row + innerFrom];
    for (let at = row + innerFrom; at <= row + innerTo; at++) {
      const right = data[at + 1];
      const lap = 4 * middle - left - right - data[at - width] - data[at + width];
      rowSquares += lap * lap;
      rowSum += middle;
      left = middle;
      middle = right;
    }
    if (Number.isFinite(rowSquares)) {
      sumSquares = rowSquares;
      sum = rowSum;
      used += Math.max(0, innerTo - innerFrom + 1);
    } else
      for (let at = row + innerFrom; at <= row + innerTo; at++) {
        const v = data[at];
        if (!Number.isFinite(v)) {
          diskMissing++;
          continue;
        }
        const lap = 4 * v - data[at - 1] - data[at + 1] - data[at - width] - data[at + width];
        if (!Number.isFinite(lap)) continue;
        sumSquares += lap * lap;
        sum += v;
        used++;
      }
    for (let x = Math.max(innerFrom, innerTo + 1); x <= to; x++)
      if (!Number.isFinite(data[row + x])) diskMissing++;
  }
  const mean = sum / used;
  return {
    sharpness: used > 0 && mean > 0 ? Math.sqrt(sumSquares / used) / mean : undefined,
    diskMissing: diskPixels > 0 ? diskMissing / diskPixels : 0,
  };
}
