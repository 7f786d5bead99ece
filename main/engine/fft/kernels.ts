/**
 * WebAssembly SIMD kernels for real 2-D FFTs, generated at run time with ../compute/cpu/wasmBuilder.ts, in two
 * precisions: f32 (f32x4, 4 lanes) and f64 (f64x2, 2 lanes).
 *
 * Data layouts (all byte addresses into one shared memory):
 * - real images: row-major, `pitch` bytes per row.
 * - spectra ("planes"): after the row transform, two planes `re` and `im`, H rows × (W/2 + lanes) values,
 *   column k = frequency kx (0..W/2; the columns past W/2 are zero). A column transform turns each plane
 *   column into the full complex spectrum along y, so the planes then hold numpy's rfft2 layout split
 *   into re/im. The planes are stored in tiles of PLANE_TILE bytes (one column block) × H rows, tile
 *   after tile (`tileBytes` apart): a column block is then contiguous, where a row-major plane put
 *   each of its rows on another page and the column passes spent their time on TLB misses.
 * - "elements": a complex vector of `lanes` independent transforms, 32 bytes: re v128, then im v128.
 *   The batch FFT runs one transform per lane, all lanes sharing the twiddles, so there is no shuffling
 *   inside butterflies: rows are transposed lanes-at-a-time into elements (lane = row), columns are
 *   gathered `V` vectors at a time (lane = column), both cache-resident.
 * - Richardson–Lucy's images (img, u): strips of `lanes` rows, each holding its rows' W/2 elements in
 *   its own bytes, so its row passes read and write them as the FFT's elements, untransposed.
 *
 * Unnormalised transforms: rowInverse∘rowForward = (W/2)·x and colInverse∘colForward = H·x, so a
 * forward + inverse 2-D round trip multiplies by W·H/2; callers fold 2/(W·H) into the transfer function.
 */
import { Func, Local, ModuleBuilder, T, type Expr } from '../compute/cpu/wasmBuilder.js';
import {
  F32,
  F32X4,
  F64,
  F64X2,
  I32,
  Op,
  V128,
  type FloatLanes,
  type MemoryOpcode,
} from '../compute/cpu/wasmOpcodes.js';

/** One precision: its value size, lanes per vector, lane arithmetic and scalar load. */
interface Precision {
  name: 'f32' | 'f64';
  size: 4 | 8;
  lanes: 4 | 2;
  v: FloatLanes;
  load: MemoryOpcode;
}

const SINGLE: Precision = { name: 'f32', size: 4, lanes: 4, v: F32X4, load: F32.load };
const DOUBLE: Precision = { name: 'f64', size: 8, lanes: 2, v: F64X2, load: F64.load };

const I = T.i32;
/**
 * What colsConvolve multiplies by: the transfer function K, its conjugate, or K when it is real (a
 * centrosymmetric PSF's), kept as its real vectors only.
 */
export const TransferKind = { Transfer: 0, Conjugate: 1, Real: 2 } as const;
export type TransferKind = (typeof TransferKind)[keyof typeof TransferKind];

/** Bytes of a plane tile's row: the column block of the column passes (4 vectors). */
export const PLANE_TILE = 64;
/** Bytes of an element: re v128, im v128. */
const ELEMENT = 32;
/** Byte offset of an element's imaginary vector. */
const IM = 16;

/** Pushes the scalar at `address + offset` in every lane. */
function splatLoad(f: Func, P: Precision, address: Local, offset: number): void {
  f.get(address).mem(P.load, offset).op(P.v.splat);
}

/** Sets (re, im) to the complex scalar at `address`, in every lane. */
function splatComplexLoad(f: Func, P: Precision, address: Local, [re, im]: Local[]): void {
  splatLoad(f, P, address, 0);
  f.set(re);
  splatLoad(f, P, address, P.size);
  f.set(im);
}

/** Pushes `x` in every lane. */
function splatConstant(f: Func, P: Precision, x: number): void {
  if (P.size === 4) f.f32(x);
  else f.f64(x);
  f.op(P.v.splat);
}

/** Stores the element a·w = (a.re·w.re − a.im·w.im, a.re·w.im + a.im·w.re) at `at`. */
function storeProduct(f: Func, P: Precision, at: Local, [ar, ai]: Local[], [wr, wi]: Local[]): void {
  f.get(at, ar, wr).op(P.v.mul).get(ai, wi).op(P.v.mul, P.v.sub).mem(V128.store);
  f.get(at, ar, wi).op(P.v.mul).get(ai, wr).op(P.v.mul, P.v.add).mem(V128.store, IM);
}

/**
 * Stores the im vector `value` pushes of the element at `at`: IM bytes on in the scratch, or `planes`
 * bytes on (the im plane's distance from the re plane) when the element is in a plane tile.
 */
function storeIm(f: Func, at: Local, planes: Local | undefined, value: Expr): void {
  f.get(at);
  if (planes) f.get(planes).op(I32.add);
  value();
  f.mem(V128.store, planes ? 0 : IM);
}

/** `local = local + value` (i32) for the value `add` pushes. */
function increment(f: Func, local: Local, add: Expr): void {
  f.get(local);
  add();
  f.op(I32.add).set(local);
}

/**
 * A transposer of lanes × lanes blocks of vectors (lane = row ↔ lane = column), with its scratch
 * locals declared once per function: it returns the locals holding the columns of the block whose
 * rows `rows` push (a row may be pushed twice).
 */
function transposer(f: Func, P: Precision): (rows: Expr[]) => Local[] {
  const scratch = f.locals(T.v128, P.lanes === 2 ? 2 : 12);
  const shuffleInto = (into: Local, a: Expr, b: Expr, picks: number[]) => {
    a();
    b();
    f.shuffleLanes(P.size, picks).set(into);
  };
  const get = (l: Local) => () => void f.get(l);
  if (P.lanes === 2)
    return (rows) => {
      shuffleInto(scratch[0], rows[0], rows[1], [0, 2]);
      shuffleInto(scratch[1], rows[0], rows[1], [1, 3]);
      return scratch;
    };
  const [t0, t1, t2, t3, r0, r1, r2, r3, low01, low23, high01, high23] = scratch;
  return (rows) => {
    [r0, r1, r2, r3].forEach((r, i) => {
      rows[i]();
      f.set(r);
    });
    shuffleInto(low01, get(r0), get(r1), [0, 4, 1, 5]);
    shuffleInto(low23, get(r2), get(r3), [0, 4, 1, 5]);
    shuffleInto(high01, get(r0), get(r1), [2, 6, 3, 7]);
    shuffleInto(high23, get(r2), get(r3), [2, 6, 3, 7]);
    shuffleInto(t0, get(low01), get(low23), [0, 1, 4, 5]);
    shuffleInto(t1, get(low01), get(low23), [2, 3, 6, 7]);
    shuffleInto(t2, get(high01), get(high23), [0, 1, 4, 5]);
    shuffleInto(t3, get(high01), get(high23), [2, 3, 6, 7]);
    return [t0, t1, t2, t3];
  };
}

/**
 * What the last stage (all twiddles 1: the radix-4 stage of quarter 1, or the radix-2 stage) does with
 * its outputs: store them, or store them times the factor element at the same index of `K` (or its
 * conjugate; or a real factor, K's real vector only, 16 bytes an element), the transfer function of a
 * convolution applied without a pass of its own.
 */
type LastStage = 'plain' | 'times' | 'timesConjugate' | 'timesReal';

/**
 * Where a column transform reads its input or writes its output: the scratch, or (a full column block)
 * the plane tiles themselves. A block's element (r, v) is 32·(r·V + v) bytes into the scratch and
 * 16·(r·V + v) into each plane's tile (PLANE_TILE = 16·V bytes a row), so a stage's scratch offsets
 * are halved to address the tiles, and an element's im part lies in the im plane.
 */
type PlaneIo = 'scratch' | 'planesIn' | 'planesOut';

/**
 * Batch Stockham radix-4 FFT: `L` (power of two) elements, each element being V consecutive complex
 * vectors (so V·lanes independent transforms). from, to: ping-pong buffers of L·V elements (swapped
 * after each stage); twiddles: table of L complex scalars (cos, ∓sin)(2πk/L); K (the 'times' kinds'
 * sixth parameter): L·V factor elements (or real factor vectors). Returns the buffer holding the
 * result (natural order). With `io` 'planesIn' the first stage reads a full column block from its
 * plane tiles (the last two parameters: re and im tile), with 'planesOut' the last stage writes it
 * there (see PlaneIo).
 */
function batchFft(
  mb: ModuleBuilder,
  P: Precision,
  inverse: boolean,
  last: LastStage = 'plain',
  io: PlaneIo = 'scratch',
): Func {
  const f = mb.func(null, Array<T>((last === 'plain' ? 5 : 6) + (io === 'scratch' ? 0 : 2)).fill(I), [I]);
  const [from, to, L, V, twiddles] = f.params;
  const factors = last === 'plain' ? undefined : f.params[5];
  const [re, im] = io === 'scratch' ? [] : f.params.slice(-2);
  const [n, stride, quarter, quarterBytes, twiddleStep, p, q, fromP, toP, a, out, address, twiddle] =
    f.locals(I, 13);
  const imDelta = io === 'scratch' ? undefined : f.local(I);
  if (imDelta) f.get(im, re).op(I32.sub).set(imDelta);
  const complex = () => f.locals(T.v128, 2);
  const w = [complex(), complex(), complex()];
  const [sumAC, sumBD, diffAC, diffBD] = [complex(), complex(), complex(), complex()];
  const scaled: Scaled | undefined =
    last === 'plain' ? undefined : { factors: factors!, kind: last, k: complex(), y: complex() };
  // in plane bytes: the first stage's quarter (planesIn), the last stage's stride (planesOut)
  const halved = io === 'scratch' ? undefined : f.local(I);
  const butterflies = (twiddled: boolean, planes?: 'in' | 'out') =>
    f.forLoop(
      q,
      () => void f.i32(0),
      () => void f.get(stride),
      () => void f.i32(ELEMENT),
      () =>
        radix4Butterfly(f, P, inverse, {
          ...{ a, out, address, fromP, toP, q },
          stride: planes === 'out' ? halved! : stride,
          quarterBytes: planes === 'in' ? halved! : quarterBytes,
          ...{ w: twiddled ? w : undefined, sumAC, sumBD, diffAC, diffBD },
          scaled: twiddled ? undefined : scaled,
          inPlanes: planes === 'in' ? imDelta : undefined,
          outPlanes: planes === 'out' ? imDelta : undefined,
        }),
    );
  f.get(L).set(n);
  f.get(V).i32(5).op(I32.shl).set(stride); // a stage's output stride: one batch element, ×4 per stage
  f.loopUntil(
    () => void f.get(n).i32(4).op(I32.ltU),
    () => {
      f.get(n).i32(2).op(I32.shrU).set(quarter);
      f.get(quarter, stride).op(I32.mul).set(quarterBytes);
      f.ifThen(
        () => void f.get(n).i32(4).op(I32.eq),
        () => {
          // the last stage: p = 0 only, its twiddles all 1
          f.get(from).set(fromP);
          if (io === 'planesOut') {
            f.get(re).set(toP);
            f.get(stride).i32(1).op(I32.shrU).set(halved!);
            butterflies(false, 'out');
          } else {
            f.get(to).set(toP);
            butterflies(false);
          }
        },
        () => {
          // table index stride = L / n, as bytes of a complex scalar
          f.get(L, n)
            .op(I32.divU)
            .i32(2 * P.size)
            .op(I32.mul)
            .set(twiddleStep);
          f.forLoop(
            p,
            () => void f.i32(0),
            () => void f.get(quarter),
            () => void f.i32(1),
            () => {
              // twiddles w^p, w^2p, w^3p
              w.forEach((wPower, power) => {
                f.get(power === 0 ? twiddles : twiddle, p, twiddleStep)
                  .op(I32.mul, I32.add)
                  .set(twiddle);
                splatComplexLoad(f, P, twiddle, wPower);
              });
              const stage = (planesIn: boolean) => {
                if (planesIn) {
                  f.get(re, p, stride).op(I32.mul).i32(1).op(I32.shrU, I32.add).set(fromP);
                  f.get(quarterBytes).i32(1).op(I32.shrU).set(halved!);
                } else f.get(from, p, stride).op(I32.mul, I32.add).set(fromP);
                f.get(to, p).i32(2).op(I32.shl).get(stride).op(I32.mul, I32.add).set(toP);
                butterflies(true, planesIn ? 'in' : undefined);
              };
              // with planesIn, the first stage reads the plane tiles
              if (io === 'planesIn')
                f.ifThen(
                  () => void f.get(n, L).op(I32.eq),
                  () => stage(true),
                  () => stage(false),
                );
              else stage(false);
            },
          );
        },
      );
      // next stage
      f.get(stride).i32(2).op(I32.shl).set(stride);
      f.get(quarter).set(n);
      f.get(from).set(address);
      f.get(to).set(from);
      f.get(address).set(to);
    },
  );
  // radix-2 last stage when log2 L is odd
  f.ifThen(
    () => void f.get(n).i32(2).op(I32.eq),
    () => {
      if (io === 'planesOut') f.get(stride).i32(1).op(I32.shrU).set(halved!);
      f.forLoop(
        q,
        () => void f.i32(0),
        () => void f.get(stride),
        () => void f.i32(ELEMENT),
        () =>
          radix2Butterfly(f, P, {
            ...{ a, out, address, from, q, stride, sum: sumAC, other: sumBD, scaled },
            to: io === 'planesOut' ? re : to,
            outPlanes: io === 'planesOut' ? { imDelta: imDelta!, stride: halved! } : undefined,
          }),
      );
      f.get(to).set(from);
    },
  );
  f.get(from);
  return f;
}

/** A 'times' last stage's factors (indexed like its output) and its scratch. */
interface Scaled {
  factors: Local;
  kind: Exclude<LastStage, 'plain'>;
  /** one factor element; one output element */
  k: Local[];
  y: Local[];
}

/**
 * Stores the element `value` at `at`: as it is, or times the factor element (conjugated if so asked;
 * or real) whose address `factorAt` pushes.
 */
function storeOutput(
  f: Func,
  P: Precision,
  at: Local,
  value: Local[],
  scaled: Scaled | undefined,
  factorAt: Expr,
): void {
  if (!scaled) {
    f.get(at, value[0]).mem(V128.store);
    f.get(at, value[1]).mem(V128.store, IM);
    return;
  }
  const [kr, ki] = scaled.k;
  const [ar, ai] = value;
  const { add, sub, mul } = P.v;
  factorAt();
  f.mem(V128.load).set(kr);
  if (scaled.kind === 'timesReal') {
    f.get(at, ar, kr).op(mul).mem(V128.store);
    f.get(at, ai, kr).op(mul).mem(V128.store, IM);
    return;
  }
  factorAt();
  f.mem(V128.load, IM).set(ki);
  if (scaled.kind === 'times') {
    storeProduct(f, P, at, value, scaled.k);
    return;
  }
  f.get(at, ar, kr).op(mul).get(ai, ki).op(mul, add).mem(V128.store);
  f.get(at, ai, kr).op(mul).get(ar, ki).op(mul, sub).mem(V128.store, IM);
}

/**
 * Pushes `factors + q + j·stride` (half that offset for real factors): the factor of output j of the
 * butterfly at q.
 */
function factorAddress(f: Func, scaled: Scaled, q: Local, stride: Local, j: number): void {
  f.get(scaled.factors, q);
  if (j > 0) {
    f.get(stride);
    if (j > 1) f.i32(j).op(I32.mul);
    f.op(I32.add);
  }
  if (scaled.kind === 'timesReal') f.i32(1).op(I32.shrU);
  f.op(I32.add);
}

/** The locals of a radix-4 butterfly: quarters a, b, c, d of the input at `a + k·quarterBytes`. */
interface Radix4 {
  /** Input element (quarter a) and output element addresses. */
  a: Local;
  out: Local;
  address: Local;
  fromP: Local;
  toP: Local;
  q: Local;
  stride: Local;
  quarterBytes: Local;
  /** w^p, w^2p, w^3p as (re, im); none in the last stage, where p = 0. */
  w: Local[][] | undefined;
  sumAC: Local[];
  sumBD: Local[];
  diffAC: Local[];
  diffBD: Local[];
  /** the last stage's factors, if any */
  scaled: Scaled | undefined;
  /**
   * The im plane's distance from the re plane, when the input is read from a plane tile (fromP and
   * quarterBytes then in plane bytes, q halved: see PlaneIo) or the output written to one (toP, stride).
   */
  inPlanes?: Local;
  outPlanes?: Local;
}

/**
 * y0 = (a + c) + (b + d), y2 = w²·((a + c) − (b + d)), and forward y1 = w·((a − c) − i(b − d)),
 * y3 = w³·((a − c) + i(b − d)); the inverse swaps the signs of i.
 */
function radix4Butterfly(f: Func, P: Precision, inverse: boolean, b: Radix4): void {
  const { a, out, address, stride, quarterBytes, sumAC, sumBD, diffAC, diffBD, scaled } = b;
  const { add, sub } = P.v;
  // a stage's base plus q (halved in plane bytes)
  const offsetBy = (at: Local, planes: Local | undefined) => {
    f.get(at, b.q);
    if (planes) f.i32(1).op(I32.shrU);
    f.op(I32.add);
  };
  offsetBy(b.fromP, b.inPlanes);
  f.set(a);
  offsetBy(b.toP, b.outPlanes);
  f.set(out);
  /** Pushes quarter k's vector at `offset` (0: re, IM: im). */
  const load = (k: 0 | 1 | 2 | 3, offset: number) => {
    f.get(a);
    if (k === 1 || k === 3) f.get(quarterBytes).op(I32.add);
    if (k >= 2) f.get(quarterBytes).i32(1).op(I32.shl, I32.add);
    if (b.inPlanes && offset === IM) f.get(b.inPlanes).op(I32.add).mem(V128.load);
    else f.mem(V128.load, offset);
  };
  const sumAndDifference = (k1: 0 | 1, k2: 2 | 3, sum: Local[], diff: Local[]) => {
    load(k2, 0);
    f.set(diff[0]);
    load(k2, IM);
    f.set(diff[1]);
    for (const [l, offset] of [
      [0, 0],
      [1, IM],
    ] as const) {
      load(k1, offset);
      f.get(diff[l]).op(add).set(sum[l]);
    }
    for (const [l, offset] of [
      [0, 0],
      [1, IM],
    ] as const) {
      load(k1, offset);
      f.get(diff[l]).op(sub).set(diff[l]);
    }
  };
  /** Stores output j, at `address`, times its twiddle w[j − 1] (or as the last stage does). */
  const store = (j: 1 | 2 | 3, value: Local[]) => {
    if (b.w) storeProduct(f, P, address, value, b.w[j - 1]);
    else if (b.outPlanes) {
      f.get(address, value[0]).mem(V128.store);
      storeIm(f, address, b.outPlanes, () => void f.get(value[1]));
    } else
      storeOutput(f, P, address, value, scaled, () => scaled && factorAddress(f, scaled, b.q, stride, j));
  };
  sumAndDifference(0, 2, sumAC, diffAC);
  sumAndDifference(1, 3, sumBD, diffBD);
  if (scaled) {
    const [yr, yi] = scaled.y;
    f.get(sumAC[0], sumBD[0]).op(add).set(yr);
    f.get(sumAC[1], sumBD[1]).op(add).set(yi);
    storeOutput(f, P, out, scaled.y, scaled, () => factorAddress(f, scaled, b.q, stride, 0));
  } else {
    f.get(out, sumAC[0], sumBD[0]).op(add).mem(V128.store);
    storeIm(f, out, b.outPlanes, () => void f.get(sumAC[1], sumBD[1]).op(add));
  }
  f.get(sumAC[0], sumBD[0]).op(sub).set(sumAC[0]);
  f.get(sumAC[1], sumBD[1]).op(sub).set(sumAC[1]);
  f.get(out, stride).i32(1).op(I32.shl, I32.add).set(address);
  store(2, sumAC);
  // (a − c) ∓ i(b − d) = (diffAC.re ± diffBD.im, diffAC.im ∓ diffBD.re), into sumAC (y1) and sumBD (y3)
  const [plus, minus] = inverse ? [sub, add] : [add, sub];
  f.get(diffAC[0], diffBD[1]).op(plus).set(sumAC[0]);
  f.get(diffAC[1], diffBD[0]).op(minus).set(sumAC[1]);
  f.get(diffAC[0], diffBD[1]).op(minus).set(sumBD[0]);
  f.get(diffAC[1], diffBD[0]).op(plus).set(sumBD[1]);
  f.get(out, stride).op(I32.add).set(address);
  store(1, sumAC);
  f.get(address, stride).i32(1).op(I32.shl, I32.add).set(address);
  store(3, sumBD);
}

/** y0 = a + b, y1 = a − b, with b half the stage's stride after a (times the factors if scaled). */
function radix2Butterfly(
  f: Func,
  P: Precision,
  b: {
    a: Local;
    out: Local;
    address: Local;
    from: Local;
    to: Local;
    q: Local;
    stride: Local;
    sum: Local[];
    other: Local[];
    scaled: Scaled | undefined;
    /** the im plane's distance from the re plane and the stride in plane bytes, when `to` is a re tile */
    outPlanes?: { imDelta: Local; stride: Local };
  },
): void {
  const { a, out, address, stride, sum, other, scaled, outPlanes } = b;
  f.get(b.from, b.q).op(I32.add).set(a);
  f.get(b.to, b.q);
  if (outPlanes) f.i32(1).op(I32.shrU);
  f.op(I32.add).set(out);
  f.get(a).mem(V128.load).set(sum[0]);
  f.get(a).mem(V128.load, IM).set(sum[1]);
  f.get(a, stride).op(I32.add).set(address);
  f.get(address).mem(V128.load).set(other[0]);
  f.get(address).mem(V128.load, IM).set(other[1]);
  if (scaled) {
    const [yr, yi] = scaled.y;
    f.get(sum[0], other[0]).op(P.v.add).set(yr);
    f.get(sum[1], other[1]).op(P.v.add).set(yi);
    storeOutput(f, P, out, scaled.y, scaled, () => factorAddress(f, scaled, b.q, stride, 0));
    f.get(sum[0], other[0]).op(P.v.sub).set(yr);
    f.get(sum[1], other[1]).op(P.v.sub).set(yi);
    f.get(out, stride).op(I32.add).set(address);
    storeOutput(f, P, address, scaled.y, scaled, () => factorAddress(f, scaled, b.q, stride, 1));
    return;
  }
  for (const [at, combine] of [
    [out, P.v.add],
    [address, P.v.sub],
  ] as const) {
    if (at === address)
      f.get(out, outPlanes?.stride ?? stride)
        .op(I32.add)
        .set(address);
    f.get(at, sum[0], other[0]).op(combine).mem(V128.store);
    storeIm(f, at, outPlanes?.imDelta, () => void f.get(sum[1], other[1]).op(combine));
  }
}

/** The row transforms' locals. */
interface RowTransform {
  f: Func;
  P: Precision;
  /** Half the row length: the complex FFT's length. */
  L: Local;
  /** The FFT's result buffer. */
  spectrum: Local;
  k: Local;
  /** Addresses of elements k and L − k, and of a twiddle or element. */
  atK: Local;
  atJ: Local;
  address: Local;
  j: Local;
  element: Local;
  transpose: (rows: Expr[]) => Local[];
}

function rowTransform(f: Func, P: Precision, W: Local, forward: boolean): { t: RowTransform; offset: Local } {
  const ints = f.locals(I, 9);
  // (declared in this order in either direction, as the pinned modules have them)
  const [offset, element, L, spectrum, k, atK, atJ, address, j] = forward
    ? ints
    : [ints[8], ...ints.slice(0, 8)];
  const transpose = transposer(f, P);
  f.get(W).i32(1).op(I32.shrU).set(L);
  return { t: { f, P, L, spectrum, k, atK, atJ, address, j, element, transpose }, offset };
}

/** For k = from … L/2: j = L − k and the addresses of elements k and j of `base`. */
function eachMirroredPair(t: RowTransform, from: number, base: Local, body: () => void): void {
  const { f, k } = t;
  f.forLoop(
    k,
    () => void f.i32(from),
    () => void f.get(t.L).i32(1).op(I32.shrU).i32(1).op(I32.add),
    () => void f.i32(1),
    () => {
      f.get(t.L, k).op(I32.sub).set(t.j);
      f.get(base, k).i32(5).op(I32.shl, I32.add).set(t.atK);
      f.get(base, t.j).i32(5).op(I32.shl, I32.add).set(t.atJ);
      body();
    },
  );
}

/** Pushes the address `base + offset + pitch·r`. */
function rowAddress(f: Func, base: Local, offset: Local, pitch: Local, r: number): void {
  f.get(base, offset).op(I32.add).get(pitch).i32(r).op(I32.mul, I32.add);
}

/**
 * Pushes the address of plane column k, row r of a tiled plane (`plane`: row 0's start in tile 0):
 * `plane + ⌊k·size / PLANE_TILE⌋·tileBytes + (k·size mod PLANE_TILE) + PLANE_TILE·r`.
 */
function planeAddress(f: Func, P: Precision, plane: Local, k: Local, tileBytes: Local, r: number): void {
  f.get(plane, k).i32(P.size).op(I32.mul).i32(6).op(I32.shrU).get(tileBytes).op(I32.mul, I32.add);
  f.get(k)
    .i32(P.size)
    .op(I32.mul)
    .i32(PLANE_TILE - 1)
    .op(I32.and, I32.add);
  if (r > 0) f.i32(PLANE_TILE * r).op(I32.add);
}

/**
 * `body` for each 16-byte offset of the rows, the element cursor walking from `start` (`lanes` vectors
 * of 16 bytes a step).
 */
function eachRowVector(t: RowTransform, offset: Local, W: Local, start: Local, body: () => void): void {
  const { f, P } = t;
  f.get(start).set(t.element);
  f.forLoop(
    offset,
    () => void f.i32(0),
    () => void f.get(W).i32(P.size).op(I32.mul),
    () => void f.i32(16),
    () => {
      body();
      increment(f, t.element, () => void f.i32(16 * P.lanes));
    },
  );
}

/**
 * `body` for each plane (re, im) of each group of `lanes` plane columns k = 0…L (+ padding), the
 * element cursor walking from `start`.
 */
function eachPlaneColumnGroup(
  t: RowTransform,
  [re, im]: Local[],
  start: Local,
  body: (plane: Local, part: number) => void,
): void {
  const { f, P } = t;
  f.get(start).set(t.element);
  f.forLoop(
    t.k,
    () => void f.i32(0),
    () => void f.get(t.L).i32(1).op(I32.add),
    () => void f.i32(P.lanes),
    () => {
      body(re, 0);
      body(im, IM);
      increment(f, t.element, () => void f.i32(ELEMENT * P.lanes));
    },
  );
}

/**
 * The 13 vectors of a pass over mirrored element pairs (the last one set to 1/2 in every lane), and
 * the pair's loader: elements k and L − k into (re, im) each.
 */
function mirroredPairLocals(t: RowTransform): { lanes: Local[]; loadPair: (k: Local[], j: Local[]) => void } {
  const { f, P } = t;
  const lanes = f.locals(T.v128, 13);
  splatConstant(f, P, 0.5);
  f.set(lanes[12]);
  const loadPair = ([kr, ki]: Local[], [jr, ji]: Local[]) => {
    f.get(t.atK).mem(V128.load).set(kr);
    f.get(t.atK).mem(V128.load, IM).set(ki);
    f.get(t.atJ).mem(V128.load).set(jr);
    f.get(t.atJ).mem(V128.load, IM).set(ji);
  };
  return { lanes, loadPair };
}

/**
 * (a) `lanes` real rows (src, pitch srcPitch bytes, W values) → W/2 elements at dst:
 * z[n] = x[2n] + i x[2n+1], lane = row.
 */
function rowsIntoElements(
  t: RowTransform,
  offset: Local,
  W: Local,
  src: Local,
  srcPitch: Local,
  dst: Local,
): void {
  const { f, P } = t;
  eachRowVector(t, offset, W, dst, () => {
    const rows = Array.from({ length: P.lanes }, (_, r) => () => {
      rowAddress(f, src, offset, srcPitch, r);
      f.mem(V128.load);
    });
    t.transpose(rows).forEach((column, i) => void f.get(t.element, column).mem(V128.store, 16 * i));
  });
}

/**
 * Forward real transform of `lanes` rows: src rows (pitch srcP bytes, W values) → planes re/im
 * (tiled, tiles tileBytes apart), columns 0..W/2 plus zero padding up to W/2 + lanes. Needs scratch a, b of
 * (W/2 + lanes) elements each; tw: table for L = W/2; twr: (cos, sin)(2πk/W) for k = 0..L/2.
 */
function rowForward(mb: ModuleBuilder, P: Precision, fromElements: Func): Func {
  const f = mb.func(null, [I, I, I, I, I, I, I, I, I, I]);
  const [src, srcPitch, re, im, tileBytes, W, scratchA, scratchB, twiddles, halfTwiddles] = f.params;
  const { t, offset } = rowTransform(f, P, W, true);
  rowsIntoElements(t, offset, W, src, srcPitch, scratchA);
  f.get(scratchA, scratchB, re, im, tileBytes, W, twiddles, halfTwiddles).call(fromElements);
  return f;
}

/**
 * (b)–(d) of the forward real transform, from the W/2 elements at `elements` (lane = row, as
 * rowsIntoElements makes them; `other` is the FFT's second buffer, both clobbered) to the planes.
 */
function forwardFromElements(mb: ModuleBuilder, P: Precision, fft: Func): Func {
  const f = mb.func(null, [I, I, I, I, I, I, I, I]);
  const [elements, other, re, im, tileBytes, W, twiddles, halfTwiddles] = f.params;
  const { t } = rowTransform(f, P, W, true);
  // (b) complex FFT of L elements
  f.get(elements, other, t.L).i32(1).get(twiddles).call(fft).set(t.spectrum);
  splitRealSpectrum(t, halfTwiddles);
  // (d) elements → planes, lanes columns at a time (k = 0..L inclusive, zero padded)
  eachPlaneColumnGroup(t, [re, im], t.spectrum, (plane, part) => {
    const elements = Array.from({ length: P.lanes }, (_, i) => () => {
      f.get(t.element).mem(V128.load, ELEMENT * i + part);
    });
    t.transpose(elements).forEach((row, r) => {
      planeAddress(f, P, plane, t.k, tileBytes, r);
      f.get(row).mem(V128.store);
    });
  });
  return f;
}

/**
 * (c) The spectrum of the real rows from that of z, in place: X[k] = E + w^k·O, X[L−k] = conj(E − w^k·O)
 * with E = (Z[k] + conj Z[L−k])/2, O = −i(Z[k] − conj Z[L−k])/2; X[0] and X[L] are real. The elements
 * after X[L] are zeroed so that the plane padding columns are zero.
 */
function splitRealSpectrum(t: RowTransform, halfTwiddles: Local): void {
  const { f, P, spectrum, atK, atJ, address } = t;
  const { add, sub, mul } = P.v;
  const { lanes, loadPair } = mirroredPairLocals(t);
  const [zr, zi, yr, yi, er, ei, or, oi, tr, ti, cos, sin, half] = lanes;
  const zero = () => splatConstant(f, P, 0);
  // k = 0: X0 = Zr + Zi, XL = Zr − Zi (real)
  f.get(spectrum).mem(V128.load).set(zr);
  f.get(spectrum).mem(V128.load, IM).set(zi);
  f.get(spectrum, t.L).i32(5).op(I32.shl, I32.add).set(address);
  f.get(address, zr, zi).op(sub).mem(V128.store);
  f.get(address);
  zero();
  f.mem(V128.store, IM);
  f.get(spectrum, zr, zi).op(add).mem(V128.store);
  f.get(spectrum);
  zero();
  f.mem(V128.store, IM);
  eachMirroredPair(t, 1, spectrum, () => {
    loadPair([zr, zi], [yr, yi]);
    // E = ((Zr + Yr)/2, (Zi − Yi)/2); O = ((Zi + Yi)/2, (Yr − Zr)/2)
    f.get(zr, yr).op(add).get(half).op(mul).set(er);
    f.get(zi, yi).op(sub).get(half).op(mul).set(ei);
    f.get(zi, yi).op(add).get(half).op(mul).set(or);
    f.get(yr, zr).op(sub).get(half).op(mul).set(oi);
    loadHalfTwiddle(t, halfTwiddles, cos, sin);
    // T = w^k O with w^k = (c, −s): T.r = c O.r + s O.i, T.i = c O.i − s O.r
    f.get(cos, or).op(mul).get(sin, oi).op(mul, add).set(tr);
    f.get(cos, oi).op(mul).get(sin, or).op(mul, sub).set(ti);
    f.get(atJ, er, tr).op(sub).mem(V128.store);
    f.get(atJ, ti, ei).op(sub).mem(V128.store, IM);
    f.get(atK, er, tr).op(add).mem(V128.store);
    f.get(atK, ei, ti).op(add).mem(V128.store, IM);
  });
  f.get(spectrum, t.L).i32(5).op(I32.shl, I32.add).set(address);
  for (let i = 1; i < P.lanes; i++)
    for (const part of [0, IM]) {
      f.get(address);
      zero();
      f.mem(V128.store, ELEMENT * i + part);
    }
}

/** (cos, sin)(2πk/W) of the half-length table, in every lane. */
function loadHalfTwiddle(t: RowTransform, halfTwiddles: Local, cos: Local, sin: Local): void {
  const { f, P, address } = t;
  f.get(halfTwiddles, t.k)
    .i32(2 * P.size)
    .op(I32.mul, I32.add)
    .set(address);
  splatComplexLoad(f, P, address, [cos, sin]);
}

/** Inverse of rowForward (times W/2): planes → `lanes` real rows. */
function rowInverse(mb: ModuleBuilder, P: Precision, toElements: Func): Func {
  const f = mb.func(null, [I, I, I, I, I, I, I, I, I, I]);
  const [re, im, tileBytes, dst, dstPitch, W, scratchA, scratchB, twiddles, halfTwiddles] = f.params;
  const { t, offset } = rowTransform(f, P, W, false);
  f.get(re, im, tileBytes, W, scratchA, scratchB, twiddles, halfTwiddles).call(toElements).set(t.spectrum);
  elementsIntoRows(t, offset, W, t.spectrum, dst, dstPitch);
  return f;
}

/**
 * Inverse of forwardFromElements: planes → W/2 elements (lane = row) in scratchA or scratchB,
 * whichever it returns.
 */
function inverseToElements(mb: ModuleBuilder, P: Precision, fft: Func): Func {
  const f = mb.func(null, [I, I, I, I, I, I, I, I], [I]);
  const [re, im, tileBytes, W, scratchA, scratchB, twiddles, halfTwiddles] = f.params;
  const { t } = rowTransform(f, P, W, false);
  // (d') planes → elements, k = 0..L (+ padding)
  eachPlaneColumnGroup(t, [re, im], scratchA, (plane, part) => {
    const rows = Array.from({ length: P.lanes }, (_, r) => () => {
      planeAddress(f, P, plane, t.k, tileBytes, r);
      f.mem(V128.load);
    });
    t.transpose(rows).forEach(
      (column, i) => void f.get(t.element, column).mem(V128.store, ELEMENT * i + part),
    );
  });
  mergeRealSpectrum(t, scratchA, halfTwiddles);
  f.get(scratchA, scratchB, t.L).i32(1).get(twiddles).call(fft);
  return f;
}

/** (a') W/2 elements at `src` → `lanes` real rows (dst, pitch dstPitch): x[2n] = Re z[n], x[2n+1] = Im z[n]. */
function elementsIntoRows(
  t: RowTransform,
  offset: Local,
  W: Local,
  src: Local,
  dst: Local,
  dstPitch: Local,
): void {
  const { f, P } = t;
  eachRowVector(t, offset, W, src, () => {
    const vectors = Array.from(
      { length: P.lanes },
      (_, i) => () => void f.get(t.element).mem(V128.load, 16 * i),
    );
    t.transpose(vectors).forEach((row, r) => {
      rowAddress(f, dst, offset, dstPitch, r);
      f.get(row).mem(V128.store);
    });
  });
}

/**
 * (c') Z[k] = E + iO, Z[L−k] = conj(E) + i conj(O); E = (X[k] + conj X[L−k])/2,
 * O = (X[k] − conj X[L−k]) e^{+2πik/W} / 2. k = 0 pairs with X[L] and writes a dead Z[L].
 */
function mergeRealSpectrum(t: RowTransform, elements: Local, halfTwiddles: Local): void {
  const { f, P, atK, atJ } = t;
  const { add, sub, mul } = P.v;
  const { lanes, loadPair } = mirroredPairLocals(t);
  const [xr, xi, yr, yi, er, ei, dr, di, or, oi, cos, sin, half] = lanes;
  eachMirroredPair(t, 0, elements, () => {
    loadPair([xr, xi], [yr, yi]);
    f.get(xr, yr).op(add).get(half).op(mul).set(er);
    f.get(xi, yi).op(sub).get(half).op(mul).set(ei);
    f.get(xr, yr).op(sub).get(half).op(mul).set(dr);
    f.get(xi, yi).op(add).get(half).op(mul).set(di);
    loadHalfTwiddle(t, halfTwiddles, cos, sin);
    // O = D (c + i s)
    f.get(dr, cos).op(mul).get(di, sin).op(mul, sub).set(or);
    f.get(dr, sin).op(mul).get(di, cos).op(mul, add).set(oi);
    // Zj = (Er + Oi, Or − Ei); Zk = (Er − Oi, Ei + Or)
    f.get(atJ, er, oi).op(add).mem(V128.store);
    f.get(atJ, or, ei).op(sub).mem(V128.store, IM);
    f.get(atK, er, oi).op(sub).mem(V128.store);
    f.get(atK, ei, or).op(add).mem(V128.store, IM);
  });
}

/**
 * `body` for each vector of a column block (V vectors wide, H rows) in row order, with the element
 * cursor (starting at `start`, advanced by an element each time) and the vector's address in a plane.
 */
function eachBlockVector(
  f: Func,
  [pitch, H, V, start]: Local[],
  body: (cursor: Local, planeAt: (plane: Local) => void) => void,
): void {
  const [row, vector, rowOffset, cursor] = f.locals(I, 4);
  f.get(start).set(cursor);
  f.forLoop(
    row,
    () => void f.i32(0),
    () => void f.get(H),
    () => void f.i32(1),
    () => {
      f.get(row, pitch).op(I32.mul).set(rowOffset);
      f.forLoop(
        vector,
        () => void f.i32(0),
        () => void f.get(V).i32(4).op(I32.shl),
        () => void f.i32(16),
        () => {
          body(cursor, (plane) => void f.get(plane, rowOffset).op(I32.add).get(vector).op(I32.add));
          increment(f, cursor, () => void f.i32(ELEMENT));
        },
      );
    },
  );
}

/** planes column block (V vectors wide, H rows) → elements (r·V + v). */
function columnGather(mb: ModuleBuilder): Func {
  const f = mb.func(null, [I, I, I, I, I, I]);
  const [re, im, pitch, H, V, dst] = f.params;
  eachBlockVector(f, [pitch, H, V, dst], (element, planeAt) => {
    for (const [plane, part] of [
      [re, 0],
      [im, IM],
    ] as const) {
      f.get(element);
      planeAt(plane);
      f.mem(V128.load).mem(V128.store, part);
    }
  });
  return f;
}

/** elements (r·V + v) → planes column block (V vectors wide, H rows). */
function columnScatter(mb: ModuleBuilder): Func {
  const f = mb.func(null, [I, I, I, I, I, I]);
  const [src, re, im, pitch, H, V] = f.params;
  eachBlockVector(f, [pitch, H, V, src], (element, planeAt) => {
    for (const [plane, part] of [
      [re, 0],
      [im, IM],
    ] as const) {
      planeAt(plane);
      f.get(element).mem(V128.load, part).mem(V128.store);
    }
  });
  return f;
}

/** copyReal(dst, src, n): the real vectors of n elements at src, one after the other at dst */
function copyRealVectors(mb: ModuleBuilder): Func {
  const f = mb.func(null, [I, I, I]);
  const [dst, src, n] = f.params;
  const i = f.local(I);
  f.forLoop(
    i,
    () => void f.i32(0),
    () => void f.get(n),
    () => void f.i32(1),
    () => {
      f.get(dst, i).i32(4).op(I32.shl, I32.add);
      f.get(src, i).i32(5).op(I32.shl, I32.add).mem(V128.load).mem(V128.store);
    },
  );
  return f;
}

/** copy n bytes (multiple of 16) */
function copyBytes(mb: ModuleBuilder): Func {
  const f = mb.func(null, [I, I, I]);
  const [dst, src, n] = f.params;
  const offset = f.local(I);
  f.forLoop(
    offset,
    () => void f.i32(0),
    () => void f.get(n),
    () => void f.i32(16),
    () => void f.get(dst, offset).op(I32.add).get(src, offset).op(I32.add).mem(V128.load).mem(V128.store),
  );
  return f;
}

/** The internal functions the exported kernels of one precision call. */
interface Helpers {
  fftForward: Func;
  fftInverse: Func;
  rowForward: Func;
  rowInverse: Func;
  rowForwardFromElements: Func;
  rowInverseToElements: Func;
  gather: Func;
  scatter: Func;
  /** the forward FFT times K, conj K or a real K in its last stage (colsConvolve) */
  fftForwardTimes: Func;
  fftForwardTimesConjugate: Func;
  fftForwardTimesReal: Func;
  /** the same reading a full column block from its plane tiles, and the inverse writing it there */
  fftForwardTimesFromPlanes: Func;
  fftForwardTimesConjugateFromPlanes: Func;
  fftForwardTimesRealFromPlanes: Func;
  fftInverseToPlanes: Func;
  copy: Func;
  copyReal: Func;
}

function addPrecision(mb: ModuleBuilder, P: Precision): void {
  const fftForward = batchFft(mb, P, false);
  const fftInverse = batchFft(mb, P, true);
  const rowForwardFromElements = forwardFromElements(mb, P, fftForward);
  const rowInverseToElements = inverseToElements(mb, P, fftInverse);
  const h: Helpers = {
    fftForward,
    fftInverse,
    rowForward: rowForward(mb, P, rowForwardFromElements),
    rowInverse: rowInverse(mb, P, rowInverseToElements),
    rowForwardFromElements,
    rowInverseToElements,
    gather: columnGather(mb),
    scatter: columnScatter(mb),
    fftForwardTimes: batchFft(mb, P, false, 'times'),
    fftForwardTimesConjugate: batchFft(mb, P, false, 'timesConjugate'),
    fftForwardTimesReal: batchFft(mb, P, false, 'timesReal'),
    copy: copyBytes(mb),
    copyReal: copyRealVectors(mb),
    fftForwardTimesFromPlanes: batchFft(mb, P, false, 'times', 'planesIn'),
    fftForwardTimesConjugateFromPlanes: batchFft(mb, P, false, 'timesConjugate', 'planesIn'),
    fftForwardTimesRealFromPlanes: batchFft(mb, P, false, 'timesReal', 'planesIn'),
    fftInverseToPlanes: batchFft(mb, P, true, 'plain', 'planesOut'),
  };
  rowsKernels(mb, P, h);
  columnKernels(mb, P, h);
  scaleKernel(mb, P);
  stripLayoutKernels(mb, P, h);
  rlRatioRows(mb, P, h);
  rlUpdateRows(mb, P, h);
}

/** Pushes `base + index·pitch`. */
function rowAt(f: Func, base: Local, index: Local, pitch: Local): void {
  f.get(base, index, pitch).op(I32.mul, I32.add);
}

/** Pushes the address of row `index` of a tiled plane in its first tile. */
function tileRowAt(f: Func, plane: Local, index: Local): void {
  f.get(plane, index).i32(6).op(I32.shl, I32.add);
}

/** `body` for each group of `lanes` rows [row, row + lanes) of [r0, r1). */
function eachRowGroup(f: Func, P: Precision, r0: Local, r1: Local, body: (row: Local) => void): void {
  const row = f.local(I);
  f.forLoop(
    row,
    () => void f.get(r0),
    () => void f.get(r1),
    () => void f.i32(P.lanes),
    () => body(row),
  );
}

/**
 * rowsForward(src, srcP, re, im, tileBytes, W, r0, r1, sa, sb, tw, twr) and
 * rowsInverse(re, im, tileBytes, dst, dstP, W, r0, r1, sa, sb, tw, twr): rows [r0, r1), lanes at a time.
 */
function rowsKernels(mb: ModuleBuilder, P: Precision, h: Helpers): void {
  {
    const f = mb.func(`${P.name}_rowsForward`, Array<T>(12).fill(I));
    const [src, srcPitch, re, im, tileBytes, W, r0, r1, ...rest] = f.params;
    eachRowGroup(f, P, r0, r1, (row) => {
      rowAt(f, src, row, srcPitch);
      f.get(srcPitch);
      tileRowAt(f, re, row);
      tileRowAt(f, im, row);
      f.get(tileBytes, W, ...rest).call(h.rowForward);
    });
  }
  {
    const f = mb.func(`${P.name}_rowsInverse`, Array<T>(12).fill(I));
    const [re, im, tileBytes, dst, dstPitch, W, r0, r1, ...rest] = f.params;
    eachRowGroup(f, P, r0, r1, (row) => {
      tileRowAt(f, re, row);
      tileRowAt(f, im, row);
      f.get(tileBytes);
      rowAt(f, dst, row, dstPitch);
      f.get(dstPitch, W, ...rest).call(h.rowInverse);
    });
  }
}

/** One column block of a column kernel: its planes, sizes, scratch and twiddles. */
interface ColumnBlock {
  f: Func;
  re: Local;
  im: Local;
  pitch: Local;
  H: Local;
  /** Vectors in this block. */
  V: Local;
  sa: Local;
  sb: Local;
  twF: Local;
  twI: Local;
  /** This block's transfer function, and which of its kinds (TransferKind) is applied. */
  K: Local;
  kind: Local;
  /** The buffer holding the last FFT's result. */
  result: Local;
}

/**
 * The column kernels cols*(re, im, pitch, H, v0, v1, VB, sa, sb, twF, twI, K, kind): vector columns
 * [v0, v1) in blocks of VB vectors, each gathered, transformed (and multiplied by its block of the
 * transfer function K as `kind` (TransferKind) says, or stored there) and scattered back.
 */
function columnKernels(mb: ModuleBuilder, P: Precision, h: Helpers): void {
  const gather = (b: ColumnBlock) => void b.f.get(b.re, b.im, b.pitch, b.H, b.V, b.sa).call(h.gather);
  const scatterFrom = (b: ColumnBlock, from: Local) =>
    void b.f.get(from, b.re, b.im, b.pitch, b.H, b.V).call(h.scatter);
  // the FFT from one buffer into the other (from == sa ? sb : sa); toPlanes: the inverse whose last
  // stage writes the block's plane tiles
  const fftFrom = (b: ColumnBlock, from: Local, inverse: boolean, toPlanes = false) => {
    b.f.get(from, b.sb, b.sa, from, b.sa).op(I32.eq, Op.select);
    b.f.get(b.H, b.V, inverse ? b.twI : b.twF);
    if (toPlanes) b.f.get(b.re, b.im);
    b.f.call(toPlanes ? h.fftInverseToPlanes : inverse ? h.fftInverse : h.fftForward).set(b.result);
  };
  const elements = (b: ColumnBlock) => void b.f.get(b.H, b.V).op(I32.mul);
  columnKernel(mb, P, 'colsForward', (b) => {
    gather(b);
    fftFrom(b, b.sa, false);
    scatterFrom(b, b.result);
  });
  columnKernel(mb, P, 'colsInverse', (b) => {
    gather(b);
    fftFrom(b, b.sa, true);
    scatterFrom(b, b.result);
  });
  columnKernel(mb, P, 'colsForwardTo', (b) => {
    gather(b);
    fftFrom(b, b.sa, false);
    b.f.ifThen(
      () => void b.f.get(b.kind).i32(TransferKind.Real).op(I32.eq),
      () => {
        b.f.get(b.K, b.result);
        elements(b);
        b.f.call(h.copyReal); // their real vectors
      },
      () => {
        b.f.get(b.K, b.result);
        elements(b);
        b.f.i32(5).op(I32.shl).call(h.copy); // H·V elements of 32 bytes
      },
    );
  });
  columnKernel(mb, P, 'colsConvolve', (b) => {
    // the forward transform multiplies by K (conj K, real K) in its last stage
    const forwardTimes = (fromPlanes: boolean) => {
      const call = (fft: Func, fftFromPlanes: Func) => () => {
        b.f.get(b.sa, b.sb, b.H, b.V, b.twF, b.K);
        if (fromPlanes) b.f.get(b.re, b.im);
        b.f.call(fromPlanes ? fftFromPlanes : fft).set(b.result);
      };
      const isKind = (kind: TransferKind) => () => void b.f.get(b.kind).i32(kind).op(I32.eq);
      b.f.ifThen(
        isKind(TransferKind.Real),
        call(h.fftForwardTimesReal, h.fftForwardTimesRealFromPlanes),
        () =>
          b.f.ifThen(
            isKind(TransferKind.Conjugate),
            call(h.fftForwardTimesConjugate, h.fftForwardTimesConjugateFromPlanes),
            call(h.fftForwardTimes, h.fftForwardTimesFromPlanes),
          ),
      );
    };
    // A full block's first and last stages read and write its plane tiles: no gather and scatter, each
    // a round trip of the block through the scratch.
    b.f.ifThen(
      () => void b.f.get(b.V).i32(4).op(I32.shl).get(b.pitch).op(I32.eq),
      () => {
        forwardTimes(true);
        fftFrom(b, b.result, true, true);
      },
      () => {
        gather(b);
        forwardTimes(false);
        fftFrom(b, b.result, true);
        scatterFrom(b, b.result);
      },
    );
  });
}

function columnKernel(
  mb: ModuleBuilder,
  P: Precision,
  name: string,
  body: (block: ColumnBlock) => void,
): void {
  const f = mb.func(`${P.name}_${name}`, Array<T>(13).fill(I));
  const [re, im, pitch, H, v0, v1, VB, sa, sb, twF, twI, K, kind] = f.params;
  const [v, V, blockRe, blockIm, result, blockK] = f.locals(I, 6);
  f.forLoop(
    v,
    () => void f.get(v0),
    () => void f.get(v1),
    () => void f.get(VB),
    () => {
      f.get(v1, v).op(I32.sub).get(VB, v1, v).op(I32.sub).get(VB).op(I32.ltU, Op.select).set(V); // min(v1 − v, VB)
      // the block's tile (v is a multiple of VB = PLANE_TILE / 16)
      f.get(re, v, H).op(I32.mul).i32(4).op(I32.shl, I32.add).set(blockRe);
      f.get(im, v, H).op(I32.mul).i32(4).op(I32.shl, I32.add).set(blockIm);
      // (a real K's elements are its real vectors only)
      f.get(K, v, H)
        .op(I32.mul)
        .i32(ELEMENT / 2)
        .i32(ELEMENT)
        .get(kind)
        .i32(TransferKind.Real)
        .op(I32.eq);
      f.op(Op.select, I32.mul, I32.add).set(blockK);
      body({ f, re: blockRe, im: blockIm, pitch, H, V, sa, sb, twF, twI, K: blockK, kind, result });
    },
  );
}

/** scale(ptr, nBytes, factor as f64): ptr[i] *= factor */
function scaleKernel(mb: ModuleBuilder, P: Precision): void {
  const f = mb.func(`${P.name}_scale`, [I, I, T.f64]);
  const [ptr, bytes, factor] = f.params;
  const offset = f.local(I);
  const factorLanes = f.local(T.v128);
  f.get(factor);
  if (P.size === 4) f.op(F32.demoteF64);
  f.op(P.v.splat).set(factorLanes);
  f.forLoop(
    offset,
    () => void f.i32(0),
    () => void f.get(bytes),
    () => void f.i32(16),
    () => {
      f.get(ptr, offset).op(I32.add).get(ptr, offset).op(I32.add).mem(V128.load);
      f.get(factorLanes).op(P.v.mul).mem(V128.store);
    },
  );
}

/**
 * Richardson–Lucy keeps its images (img, u) as elements, strip by strip: the `lanes` rows of a strip
 * hold its W/2 elements (lane = row, as rowsIntoElements lays them out) in their own bytes, so that its
 * row passes take them as the FFT's input and output without transposing them.
 * rowsToElements(image, W, r0, r1, tmp) and elementsToRows(image, W, r0, r1, tmp) turn the strips of
 * rows [r0, r1) of an image one way or the other, in place (tmp: one strip).
 */
function stripLayoutKernels(mb: ModuleBuilder, P: Precision, h: Helpers): void {
  for (const toElements of [true, false]) {
    const f = mb.func(`${P.name}_${toElements ? 'rowsToElements' : 'elementsToRows'}`, Array<T>(5).fill(I));
    const [image, W, r0, r1, tmp] = f.params;
    const { t, offset } = rowTransform(f, P, W, toElements);
    const [strip, pitch] = f.locals(I, 2);
    f.get(W).i32(P.size).op(I32.mul).set(pitch);
    eachRowGroup(f, P, r0, r1, (row) => {
      rowAt(f, image, row, pitch);
      f.set(strip);
      if (toElements) rowsIntoElements(t, offset, W, strip, pitch, tmp);
      else elementsIntoRows(t, offset, W, strip, tmp, pitch);
      f.get(strip, tmp, pitch).i32(P.lanes).op(I32.mul).call(h.copy);
    });
  }
}

/** A Richardson–Lucy row kernel's vectors: the image's (img or u) and the inverse's, `offset` into the strip. */
interface RlVectors {
  f: Func;
  image: Local;
  spectrum: Local;
  offset: Local;
}

/**
 * A Richardson–Lucy row kernel name(re, im, tileBytes, image, W, r0, r1, sa, sb, twI, twF, twr[, forward]):
 * for each strip of rows [r0, r1), its planes back to elements (rowInverseToElements), the body that
 * `vectorBody` makes (its locals and constants set first) over the strip's vectors (the image in
 * strips of elements), then the elements forward to the planes (rowForwardFromElements), if the
 * `forward` parameter is nonzero when the kernel has one.
 */
function rlRowKernel(
  mb: ModuleBuilder,
  P: Precision,
  h: Helpers,
  name: string,
  withForward: boolean,
  vectorBody: (f: Func) => (v: RlVectors) => void,
): void {
  const f = mb.func(`${P.name}_${name}`, Array<T>(withForward ? 13 : 12).fill(I));
  const eachVector = vectorBody(f);
  const [re, im, tileBytes, image, W, r0, r1, sa, sb, twI, twF, twr] = f.params;
  const [rowRe, rowIm, strip, spectrum, other, offset, stripBytes] = f.locals(I, 7);
  f.get(W).i32(4).op(I32.shl).set(stripBytes); // W/2 elements of 32 bytes
  eachRowGroup(f, P, r0, r1, (row) => {
    tileRowAt(f, re, row);
    f.set(rowRe);
    tileRowAt(f, im, row);
    f.set(rowIm);
    f.get(image, row, W).op(I32.mul).i32(P.size).op(I32.mul, I32.add).set(strip);
    f.get(rowRe, rowIm, tileBytes, W, sa, sb, twI, twr).call(h.rowInverseToElements).set(spectrum);
    f.forLoop(
      offset,
      () => void f.i32(0),
      () => void f.get(stripBytes),
      () => void f.i32(16),
      () => eachVector({ f, image: strip, spectrum, offset }),
    );
    const toPlanes = () => {
      f.get(sb, sa, spectrum, sa).op(I32.eq, Op.select).set(other);
      f.get(spectrum, other, rowRe, rowIm, tileBytes, W, twF, twr).call(h.rowForwardFromElements);
    };
    if (withForward) f.ifThen(() => void f.get(f.params[12]), toPlanes);
    else toPlanes();
  });
}

/**
 * rlRatioRows(re, im, tileBytes, img, W, r0, r1, sa, sb, twI, twF, twr):
 *   blurred = inverse rows (planes); ratio = img / blurred (img NaN → 1; |blurred| ≤ tiny → 0);
 *   planes = forward rows (ratio)
 */
function rlRatioRows(mb: ModuleBuilder, P: Precision, h: Helpers): void {
  rlRowKernel(mb, P, h, 'rlRatioRows', false, (f) => {
    const [blurred, observed, ratio, one, zero, tiny] = f.locals(T.v128, 6);
    for (const [lanes, x] of [
      [one, 1],
      [zero, 0],
      [tiny, P.size === 4 ? 1e-30 : 1e-290],
    ] as const) {
      splatConstant(f, P, x);
      f.set(lanes);
    }
    const { div, gt, abs, eq } = P.v;
    return ({ image, spectrum, offset }) => {
      f.get(spectrum, offset).op(I32.add).mem(V128.load).set(blurred);
      f.get(image, offset).op(I32.add).mem(V128.load).set(observed);
      // ratio = |blurred| > tiny ? observed / blurred : 0, and 1 where observed is NaN (missing)
      f.get(observed, blurred).op(div).set(ratio);
      f.get(ratio, zero, blurred).op(abs).get(tiny).op(gt, V128.bitselect).set(ratio);
      f.get(ratio, one, observed, observed).op(eq, V128.bitselect).set(ratio);
      f.get(spectrum, offset).op(I32.add).get(ratio).mem(V128.store);
    };
  });
}

/**
 * rlUpdateRows(re, im, tileBytes, u, W, r0, r1, sa, sb, twI, twF, twr, forward):
 *   corr = inverse rows (planes); u *= corr; if forward: planes = forward rows (u)
 */
function rlUpdateRows(mb: ModuleBuilder, P: Precision, h: Helpers): void {
  rlRowKernel(mb, P, h, 'rlUpdateRows', true, (f) => {
    const updated = f.local(T.v128);
    return ({ image, spectrum, offset }) => {
      f.get(image, offset).op(I32.add).mem(V128.load);
      f.get(spectrum, offset).op(I32.add).mem(V128.load).op(P.v.mul).set(updated);
      f.get(image, offset).op(I32.add).get(updated).mem(V128.store);
      // the next forward transform's input (unused after the last iteration)
      f.get(spectrum, offset).op(I32.add).get(updated).mem(V128.store);
    };
  });
}

/** Adds the FFT kernels, both precisions, to the compute engine's module (../compute/cpu/computeEngine.ts). */
export function addFftKernels(mb: ModuleBuilder): void {
  addPrecision(mb, SINGLE);
  addPrecision(mb, DOUBLE);
}
