/**
 * WebAssembly SIMD (f64x2) kernels for register, generated at run time with ./wasmBuilder.ts into the
 * compute engine's module (./computeEngine.ts). All arithmetic is float64 in the order the scalar
 * definitions in ../../register/ state it (the B-spline prefilter of splinePrefilter.ts, scipy's
 * coordinate order ((qx·a + qy·b) + offset)); only the 16-tap sum is paired for the lanes and the
 * B-spline weights share their powers (see resample), a few ulp from scipy's, 5e-13 of the image
 * maximum at worst on the golden files. Addresses are byte offsets into the shared memory.
 */
import { Func, Local, ModuleBuilder, T } from './wasmBuilder.js';
import {
  F64X2_ADD as ADD,
  F64X2_CONVERT_LOW_I32X4_S as F64_CONVERT_LOW_I32,
  F64X2_DIV as DIV,
  F64X2_EXTRACT_LANE as EXTRACT,
  F64X2_FLOOR as FLOOR,
  F64X2_GE as GE,
  F64X2_LE as LE,
  F64X2_LT as LT,
  F64X2_MUL as MUL,
  F64X2_NE as NE,
  F64X2_PMAX as PMAX,
  F64X2_PMIN as PMIN,
  F64X2_SPLAT as SPLAT,
  F64X2_SUB as SUB,
  I32X4_EQ as I32_EQ,
  I32X4_EXTEND_LOW_I16X8_S as I32_EXTEND_LOW_I16,
  I32X4_EXTRACT_LANE as I32_EXTRACT,
  I32X4_SPLAT,
  I32X4_TRUNC_SAT_F64X2_S_ZERO as TRUNC_SAT_ZERO,
  I64X2_ALL_TRUE as ALL_TRUE_64,
  I64X2_EXTEND_LOW_I32X4_S as I64_EXTEND_LOW,
  I64X2_EXTRACT_LANE as I64_EXTRACT,
  I64X2_SUB as I64_SUB,
  V128_AND as AND,
  V128_ANY_TRUE as ANY_TRUE,
  V128_BITSELECT as BITSELECT,
  V128_LOAD as LOAD,
  V128_LOAD32_ZERO as LOAD32_ZERO,
  V128_LOAD64_LANE as LOAD64_LANE,
  V128_LOAD64_SPLAT as LOAD64_SPLAT,
  V128_LOAD64_ZERO as LOAD64_ZERO,
  V128_XOR as XOR,
  V128_STORE as STORE,
  V128_STORE64_LANE as STORE64_LANE,
} from './simdOpcodes.js';

import { ANTICAUSAL_NORM, GAIN, POLE } from '../../register/splinePrefilter.js';

const I = T.i32;
const F = T.f64;
const V = T.v128;

/** Parameter block of a resampling (f64 slots, byte offset = 8 × slot); see resampleParams. */
export const RESAMPLE_SLOTS = 22;

/**
 * Writes a resampling's parameters where the kernel reads them. Pairs sit side by side so the kernel
 * loads (a, c), (b, d), (ox, oy) and (xMax, yMax) as vectors.
 */
export function resampleParams(
  block: Float64Array,
  p: {
    matrix: readonly [number, number, number, number];
    offset: readonly [number, number];
    qOrigin: readonly [number, number];
    gridAt: number;
    gridWidth: number;
    gridHeight: number;
    maskAt: number;
    /** h + 1 bytes: 1 where the mask row has a missing pixel (reg_maskRows), then a 0 for row h. */
    maskRowsAt: number;
    /** outputHeight bytes: 1 where an output row may reach a mask row with a missing pixel. */
    holeRowsAt: number;
    /** outputHeight × 2 i32: each row's run [lo, end) of interior columns (all 16 taps inside). */
    interiorColsAt: number;
    outAt: number;
    outputWidth: number;
    missing: number;
    clipLo: number;
    clipHi: number;
  },
): void {
  const [a, b, c, d] = p.matrix;
  block.set([
    a,
    c,
    b,
    d,
    p.offset[0],
    p.offset[1],
    p.gridWidth - 1,
    p.gridHeight - 1,
    p.qOrigin[0],
    p.qOrigin[1],
    p.missing,
    p.clipLo,
    p.clipHi,
    p.gridAt,
    p.gridWidth,
    p.gridHeight,
    p.maskAt,
    p.outAt,
    p.outputWidth,
    p.maskRowsAt,
    p.holeRowsAt,
    p.interiorColsAt,
  ]);
}

class Emit {
  constructor(readonly f: Func) {}
  v(op: number): this {
    this.f.simd(op);
    return this;
  }
  /**
   * Pushes G·a + zLast·(G·b), the exact B-spline prefilter's term for a sample and its mirror (each
   * pushed by its callback): the causal start's first term, and each later one before its z^k.
   */
  mirroredTerm(G: Local, zLast: Local, a: () => void, b: () => void): this {
    this.f.get(G);
    a();
    this.v(MUL).f.get(zLast).get(G);
    b();
    return this.v(MUL).v(MUL).v(ADD);
  }
  vsplat(x: number): Local {
    const l = this.f.local(V);
    this.f.f64c(x).simd(SPLAT).set(l);
    return l;
  }
  /** block { loop { if (!cond) break; body; continue } } */
  whileLoop(cond: () => void, body: () => void): void {
    this.f.op(0x02, 0x40, 0x03, 0x40);
    cond();
    this.f.op(0x45, 0x0d, 1); // i32.eqz; br_if 1
    body();
    this.f.op(0x0c, 0, 0x0b, 0x0b); // br 0; end; end
  }
  shuffle64(a: Local, b: Local, picks: [number, number]): this {
    this.f.get(a).get(b);
    const bytes: number[] = [];
    for (const p of picks) for (let i = 0; i < 8; i++) bytes.push(p * 8 + i);
    this.f.shuffle(bytes);
    return this;
  }
}

/** Rows of the prefilter: 8 rows at a time, two per f64x2 (lane = row), four independent recursions. */
function prefilterRows(mb: ModuleBuilder): void {
  const f = mb.func('reg_prefilterRows', [I, I, I, I, I, F, F]);
  const e = new Emit(f);
  const [grid, width, r0, r1, K, zLast, norm] = f.params;
  const CH = 4;
  const p = Array.from({ length: 2 * CH }, () => f.local(I));
  const s = Array.from({ length: CH }, () => f.local(V));
  const [r, off, i, rowB, lastB] = [f.local(I), f.local(I), f.local(I), f.local(I), f.local(I)];
  const zi = f.local(V);
  const G = e.vsplat(GAIN);
  const P = e.vsplat(POLE);
  const AN = e.vsplat(ANTICAUSAL_NORM);
  const ZL = f.local(V);
  const NORM = f.local(V);
  f.get(zLast).simd(SPLAT).set(ZL);
  f.get(norm).simd(SPLAT).set(NORM);
  f.get(width).i32(3).op(0x74).set(rowB);
  f.get(rowB).i32(8).op(0x6b).set(lastB);
  const ld = (k: number, at: () => void): void => {
    f.get(p[2 * k + 1]);
    at();
    f.op(0x6a).get(p[2 * k]);
    at();
    f.op(0x6a).mem(LOAD64_ZERO, 3, 0, true).lane64(LOAD64_LANE, 1);
  };
  const st = (k: number, at: () => void): void => {
    for (let lane = 0; lane < 2; lane++) {
      f.get(p[2 * k + lane]);
      at();
      f.op(0x6a).get(s[k]).lane64(STORE64_LANE, lane);
    }
  };
  const at = (l: Local) => () => void f.get(l);
  const zero = () => void f.i32(0);
  f.forLoop(
    r,
    () => void f.get(r0),
    () => void f.get(r1),
    () => void f.i32(2 * CH),
    () => {
      // Rows past the band's end repeat its last row; every step loads all rows before it stores any,
      // so the repeats read what the first copy reads and write the same values.
      for (let j = 0; j < 2 * CH; j++) {
        f.get(grid);
        f.get(r).i32(j).op(0x6a).get(r1).i32(1).op(0x6b);
        f.get(r).i32(j).op(0x6a).get(r1).op(0x48); // r + j < r1
        f.op(0x1b).get(rowB).op(0x6c, 0x6a).set(p[j]);
      }
      for (let k = 0; k < CH; k++)
        e.mirroredTerm(
          G,
          ZL,
          () => ld(k, zero),
          () => ld(k, at(lastB)),
        ).f.set(s[k]);
      f.get(P).set(zi);
      f.forLoop(
        i,
        () => void f.i32(1),
        () => void f.get(K).i32(1).op(0x6a),
        () => void f.i32(1),
        () => {
          f.get(i).i32(3).op(0x74).set(off);
          for (let k = 0; k < CH; k++) {
            f.get(s[k]).get(zi);
            e.mirroredTerm(
              G,
              ZL,
              () => ld(k, at(off)),
              () => ld(k, () => void f.get(lastB).get(off).op(0x6b)),
            )
              .v(MUL)
              .v(ADD)
              .f.set(s[k]);
          }
          f.get(zi).get(P);
          e.v(MUL).f.set(zi);
        },
      );
      for (let k = 0; k < CH; k++) {
        f.get(s[k]).get(NORM);
        e.v(DIV).f.set(s[k]);
        st(k, zero);
      }
      f.forLoop(
        off,
        () => void f.i32(8),
        () => void f.get(rowB),
        () => void f.i32(8),
        () => {
          for (let k = 0; k < CH; k++) {
            f.get(G);
            ld(k, at(off));
            e.v(MUL).f.get(P).get(s[k]);
            e.v(MUL).v(ADD).f.set(s[k]);
          }
          for (let k = 0; k < CH; k++) st(k, at(off));
        },
      );
      for (let k = 0; k < CH; k++) {
        f.get(P);
        ld(k, () => void f.get(lastB).i32(8).op(0x6b));
        e.v(MUL).f.get(s[k]);
        e.v(ADD).f.get(P);
        e.v(MUL).f.get(AN);
        e.v(DIV).f.set(s[k]);
      }
      for (let k = 0; k < CH; k++) st(k, at(lastB));
      f.forLoop(
        i,
        () => void f.i32(8),
        () => void f.get(rowB),
        () => void f.i32(8),
        () => {
          f.get(lastB).get(i).op(0x6b).set(off);
          for (let k = 0; k < CH; k++) {
            f.get(P).get(s[k]);
            ld(k, at(off));
            e.v(SUB).v(MUL).f.set(s[k]);
          }
          for (let k = 0; k < CH; k++) st(k, at(off));
        },
      );
    },
  );
}

/**
 * Columns of the prefilter over [c0, c1), swept in row order: each step updates a whole row segment
 * (two columns per f64x2) from the row before or after it, so memory is read and written in long runs
 * the prefetcher follows, where a column-at-a-time walk touches a new page every row. The per-column
 * arithmetic is the column recursion's, operation for operation (./splinePrefilter.ts); row 0
 * accumulates the causal start (rows 1…K and their mirrors are not written before it is done). An odd
 * last column is done alone (a splat load, a one-lane store).
 */
function prefilterColumns(mb: ModuleBuilder): void {
  const f = mb.func('reg_prefilterCols', [I, I, I, I, I, I, F, F]);
  const e = new Emit(f);
  const [grid, width, height, c0, c1, K, zLast, norm] = f.params;
  const [o, y, yo, rowB, lastRowB, endB, start, pairEnd] = Array.from({ length: 8 }, () => f.local(I));
  const G = e.vsplat(GAIN);
  const P = e.vsplat(POLE);
  const AN = e.vsplat(ANTICAUSAL_NORM);
  const [ZL, NORM, zi] = [f.local(V), f.local(V), f.local(V)];
  f.get(zLast).simd(SPLAT).set(ZL);
  f.get(norm).simd(SPLAT).set(NORM);
  f.get(width).i32(3).op(0x74).set(rowB);
  f.get(height).i32(1).op(0x6b).get(rowB).op(0x6c).set(lastRowB);
  f.get(lastRowB).get(rowB).op(0x6a).set(endB);
  f.get(grid).get(c0).i32(3).op(0x74, 0x6a).set(start);
  f.get(c1).get(c0).op(0x6b).i32(-2).op(0x71).i32(3).op(0x74).get(start).op(0x6a).set(pairEnd);

  type Row = () => void;
  interface Access {
    ld: (row: Row) => void;
    st: (row: Row, value: () => void) => void;
  }
  /** Loads and stores at `o` + row: a column pair, or (single) one column in lane 0. */
  const access = (single: boolean): Access => {
    const at = (row: Row) => {
      f.get(o);
      row();
      f.op(0x6a);
    };
    return {
      ld: (row) => {
        at(row);
        if (single) f.mem(LOAD64_SPLAT, 3, 0, true);
        else f.mem(LOAD, 4, 0, true);
      },
      st: (row, value) => {
        at(row);
        value();
        if (single) f.lane64(STORE64_LANE, 0);
        else f.mem(STORE, 4, 0, true);
      },
    };
  };
  /** `body` for every column pair at `o` (row 0's address), then for the odd column alone. */
  const eachColumn = (body: (a: Access) => void) => {
    f.forLoop(
      o,
      () => void f.get(start),
      () => void f.get(pairEnd),
      () => void f.i32(16),
      () => body(access(false)),
    );
    f.ifThen(
      () => void f.get(c1).get(c0).op(0x6b).i32(1).op(0x71), // odd width
      () => {
        f.get(pairEnd).set(o);
        body(access(true));
      },
    );
  };
  const first: Row = () => void f.i32(0);
  const rowAt =
    (l: Local): Row =>
    () =>
      void f.get(l);

  // c[0] = G·x[0] + zLast·(G·x[n−1]), then + z^y·(G·x[y] + zLast·(G·x[n−1−y])) for y = 1…K, / norm
  eachColumn(({ ld, st }) =>
    st(
      first,
      () =>
        void e.mirroredTerm(
          G,
          ZL,
          () => ld(first),
          () => ld(rowAt(lastRowB)),
        ),
    ),
  );
  f.get(P).set(zi);
  f.forLoop(
    y,
    () => void f.i32(1),
    () => void f.get(K).i32(1).op(0x6a),
    () => void f.i32(1),
    () => {
      f.get(y).get(rowB).op(0x6c).set(yo);
      eachColumn(({ ld, st }) =>
        st(first, () => {
          ld(first);
          f.get(zi);
          e.mirroredTerm(
            G,
            ZL,
            () => ld(rowAt(yo)),
            () => ld(() => void f.get(lastRowB).get(yo).op(0x6b)),
          )
            .v(MUL)
            .v(ADD);
        }),
      );
      f.get(zi).get(P);
      e.v(MUL).f.set(zi);
    },
  );
  eachColumn(({ ld, st }) =>
    st(first, () => {
      ld(first);
      f.get(NORM);
      e.v(DIV);
    }),
  );
  // c[i] = G·x[i] + z·c[i−1]
  f.forLoop(
    yo,
    () => void f.get(rowB),
    () => void f.get(endB),
    () => void f.get(rowB),
    () =>
      eachColumn(({ ld, st }) =>
        st(rowAt(yo), () => {
          f.get(G);
          ld(rowAt(yo));
          e.v(MUL).f.get(P);
          ld(() => void f.get(yo).get(rowB).op(0x6b));
          e.v(MUL).v(ADD);
        }),
      ),
  );
  // d[n−1] = ((z·c[n−2] + c[n−1])·z) / (z² − 1)
  eachColumn(({ ld, st }) =>
    st(rowAt(lastRowB), () => {
      f.get(P);
      ld(() => void f.get(lastRowB).get(rowB).op(0x6b));
      e.v(MUL);
      ld(rowAt(lastRowB));
      e.v(ADD).f.get(P);
      e.v(MUL).f.get(AN);
      e.v(DIV);
    }),
  );
  // d[i] = z·(d[i+1] − c[i]), from row n − 2 up
  f.forLoop(
    y,
    () => void f.get(rowB),
    () => void f.get(endB),
    () => void f.get(rowB),
    () => {
      f.get(lastRowB).get(y).op(0x6b).set(yo);
      eachColumn(({ ld, st }) =>
        st(rowAt(yo), () => {
          f.get(P);
          ld(() => void f.get(yo).get(rowB).op(0x6a));
          ld(rowAt(yo));
          e.v(SUB).v(MUL);
        }),
      );
    },
  );
}

/**
 * scipy's "mirror" (half-sample symmetric) index of a tap outside [0, n): j = i mod (2n − 2), folded
 * back as 2n − 2 − j when j ≥ n; 0 when n ≤ 1.
 */
function mirrorFunction(mb: ModuleBuilder): Func {
  const f = mb.func(null, [I, I], [I]);
  const [i, n] = f.params;
  const period = f.local(I);
  const j = f.local(I);
  f.ifThen(
    () => void f.get(n).i32(1).op(0x4c),
    () => void f.i32(0).op(0x0f),
  );
  f.get(n).i32(1).op(0x74).i32(2).op(0x6b).set(period);
  f.get(i).get(period).op(0x6f).set(j);
  f.ifThen(
    () => void f.get(j).i32(0).op(0x48),
    () => void f.get(j).get(period).op(0x6a).set(j),
  );
  f.ifThen(
    () => void f.get(j).get(n).op(0x4e),
    () => void f.get(period).get(j).op(0x6b).set(j),
  );
  f.get(j);
  return f;
}

/**
 * The 4×4-tap resampler over output rows [r0, r1), for the cubic B-spline (prefiltered grid) or Keys
 * cubic convolution, writing float32 or float64. Per output pixel, lane 0 carries x and lane 1 y through
 * the coordinate, the bounds tests, the floor and the weight polynomials; then each tap row is two
 * f64x2 loads, (wx0, wx1)·(g0, g1) + (wx2, wx3)·(g2, g3), and the four rows are weighted by wy in pairs.
 */
function resample(mb: ModuleBuilder, mirror: Func, bspline: boolean, out32: boolean): void {
  const f = mb.func(`reg_resample_${bspline ? 'spline3' : 'keys'}_${out32 ? 'f32' : 'f64'}`, [I, I, I]);
  const e = new Emit(f);
  const [pp, r0, r1] = f.params;
  const vl = () => f.local(V);
  const [AC, BD, OXY, MAX, MAXm1, BQ, xy, fl, t, u, w0, w1, w2, w3] = Array.from({ length: 14 }, vl);
  const [wxA, wxB, wyA, wyB, h01, h23, sq, cube] = Array.from({ length: 8 }, vl);
  const A = Array.from({ length: 4 }, vl);
  const B = Array.from({ length: 4 }, vl);
  const [qy, q0x, q0y, missing, lo, hi, val, v] = Array.from({ length: 8 }, () => f.local(F));
  const [
    grid,
    w,
    h,
    mask,
    maskRows,
    holeRows,
    interiorCols,
    out,
    outW,
    r,
    col,
    fx,
    fy,
    p,
    rowB,
    x1,
    y1,
    oaddr,
    ok,
    rowMay,
    lo0,
    end0,
  ] = Array.from({ length: 22 }, () => f.local(I));
  const ix = Array.from({ length: 4 }, () => f.local(I));
  const py = Array.from({ length: 4 }, () => f.local(I));
  const ZERO = e.vsplat(0);
  const ONE = e.vsplat(1);
  const TWO = e.vsplat(2);
  const SIXTH = e.vsplat(1 / 6);
  const HALF = e.vsplat(0.5);
  const TWO_THIRDS = e.vsplat(2 / 3);
  const C4 = e.vsplat(4);
  const M05 = e.vsplat(-0.5);
  const C25 = e.vsplat(2.5);
  const C15 = e.vsplat(1.5);

  const pv = (slot: number, l: Local) =>
    void f
      .get(pp)
      .mem(LOAD, 4, slot * 8, true)
      .set(l);
  const pf = (slot: number, l: Local) =>
    void f
      .get(pp)
      .f64load(slot * 8)
      .set(l);
  const pi = (slot: number, l: Local) =>
    void f
      .get(pp)
      .f64load(slot * 8)
      .op(0xaa)
      .set(l);
  pv(0, AC);
  pv(2, BD);
  pv(4, OXY);
  pv(6, MAX);
  f.get(MAX).get(ONE);
  e.v(SUB).f.set(MAXm1);
  pf(8, q0x);
  pf(9, q0y);
  pf(10, missing);
  pf(11, lo);
  pf(12, hi);
  pi(13, grid);
  pi(14, w);
  pi(15, h);
  pi(16, mask);
  pi(17, out);
  pi(18, outW);
  pi(19, maskRows);
  pi(20, holeRows);
  pi(21, interiorCols);
  f.get(w).i32(3).op(0x74).set(rowB);
  const size = out32 ? 4 : 8;

  // The cubic B-spline's weights at offset t of a point from its floor: (1 − t)³/6, (3t³ − 6t² + 4)/6,
  // (3s³ − 6s² + 4)/6 with s = 1 − t, and t³/6, from x² and x³ once per x (s and t): x³/6 (its far
  // weight) and x³/2 − x² + 2/3 (its near one), 8 multiplications and no division.
  const bsplinePair = (x: Local, far: Local, near: Local) => {
    f.get(x).get(x);
    e.v(MUL).f.tee(sq).get(x);
    e.v(MUL).f.tee(cube).get(SIXTH);
    e.v(MUL).f.set(far);
    f.get(cube).get(HALF);
    e.v(MUL).f.get(sq);
    e.v(SUB).f.get(TWO_THIRDS);
    e.v(ADD).f.set(near);
  };
  // Keys, a = −0.5: ((−0.5·s + 2.5)·s − 4)·s + 2 for 1 ≤ s < 2, ((1.5·s − 2.5)·s)·s + 1 for s < 1
  const keysFar = (x: () => void) => {
    const s = u;
    x();
    f.set(s).get(M05).get(s);
    e.v(MUL).f.get(C25);
    e.v(ADD).f.get(s);
    e.v(MUL).f.get(C4);
    e.v(SUB).f.get(s);
    e.v(MUL).f.get(TWO);
    e.v(ADD);
  };
  const keysNear = (x: () => void) => {
    const s = u;
    x();
    f.set(s).get(C15).get(s);
    e.v(MUL).f.get(C25);
    e.v(SUB).f.get(s);
    e.v(MUL).f.get(s);
    e.v(MUL).f.get(ONE);
    e.v(ADD);
  };

  // The 16 taps into A/B: four rows of 4 contiguous samples, or near the border mirrored ones.
  const contiguousTaps = () => {
    f.get(grid).get(fy).i32(1).op(0x6b).get(w).op(0x6c).get(fx).op(0x6a).i32(1).op(0x6b);
    f.i32(3).op(0x74, 0x6a).set(p);
    for (let k = 0; k < 4; k++) {
      f.get(p).mem(LOAD, 3, 0, true).set(A[k]);
      f.get(p).mem(LOAD, 3, 16, true).set(B[k]);
      if (k < 3) f.get(p).get(rowB).op(0x6a).set(p);
    }
  };
  const mirroredTaps = () => {
    for (let k = 0; k < 4; k++) {
      f.get(fx)
        .i32(k - 1)
        .op(0x6a)
        .get(w)
        .call(mirror)
        .set(ix[k]);
      f.get(fy)
        .i32(k - 1)
        .op(0x6a)
        .get(h)
        .call(mirror)
        .get(w)
        .op(0x6c)
        .set(py[k]);
    }
    const tap = (k: number, c: number) =>
      void f.get(grid).get(py[k]).get(ix[c]).op(0x6a).i32(3).op(0x74, 0x6a);
    for (let k = 0; k < 4; k++) {
      for (const [dst, c] of [
        [A[k], 0],
        [B[k], 2],
      ] as const) {
        tap(k, c + 1);
        tap(k, c);
        f.mem(LOAD64_ZERO, 3, 0, true).lane64(LOAD64_LANE, 1).set(dst);
      }
    }
  };
  /** Interior pixels (all 16 taps inside, known from the row's table) skip the test. */
  const taps = (interior: boolean) => {
    if (interior) contiguousTaps();
    else
      f.ifThen(
        () => {
          f.get(xy).get(ONE);
          e.v(GE).f.get(xy).get(MAXm1);
          e.v(LT).v(AND).v(ALL_TRUE_64);
        },
        contiguousTaps,
        mirroredTaps,
      );
  };
  /**
   * One output pixel at column `col` of the row, written at `oaddr`. An interior one (its point's 16
   * taps all inside the grid, as the row's table says) skips both bounds tests.
   */
  const pixel = (interior: boolean) => {
    f.get(col).op(0xb7).get(q0x).op(0xa0).simd(SPLAT).get(AC);
    e.v(MUL).f.get(BQ);
    e.v(ADD).f.get(OXY);
    e.v(ADD).f.set(xy);
    f.get(missing).set(val);
    const inBounds = () => {
      f.get(xy).get(ZERO);
      e.v(GE).f.get(xy).get(MAX);
      e.v(LE).v(AND).v(ALL_TRUE_64);
    };
    const inside = () => {
      f.get(xy).simd(FLOOR).tee(fl);
      f.simd(TRUNC_SAT_ZERO).tee(u).simd(I32_EXTRACT).op(0).set(fx);
      f.get(u).simd(I32_EXTRACT).op(1).set(fy);
      f.i32(1).set(ok);
      // Only output rows that may reach a grid row with a missing pixel test the footprint, and
      // there only where row fy or fy + 1 has one (fy + 1 ≤ h, and the flag of row h is 0).
      f.ifThen(
        () => void f.get(rowMay),
        () =>
          void f.ifThen(
            () => {
              f.get(maskRows).get(fy).op(0x6a).tee(p).mem(0x2d, 0, 0);
              f.get(p).mem(0x2d, 0, 1).op(0x72);
            },
            () => {
              f.get(fx).i32(1).op(0x6a).get(fx).get(fx).i32(1).op(0x6a).get(w).op(0x48, 0x1b).set(x1);
              f.get(fy).i32(1).op(0x6a).get(fy).get(fy).i32(1).op(0x6a).get(h).op(0x48, 0x1b).set(y1);
              const m = (yy: Local, xx: Local) =>
                void f.get(mask).get(yy).get(w).op(0x6c).get(xx).op(0x6a, 0x6a).mem(0x2d, 0, 0);
              m(fy, fx);
              m(fy, x1);
              f.op(0x72);
              m(y1, fx);
              f.op(0x72);
              m(y1, x1);
              f.op(0x72, 0x45).set(ok);
            },
          ),
      );
      f.ifThen(
        () => void f.get(ok),
        () => {
          f.get(xy).get(fl);
          e.v(SUB).f.set(t);
          if (bspline) {
            const s = u;
            f.get(ONE).get(t);
            e.v(SUB).f.set(s);
            bsplinePair(s, w0, w2);
            bsplinePair(t, w3, w1);
          } else {
            keysFar(() => void e.f.get(ONE).get(t).simd(ADD));
            f.set(w0);
            keysNear(() => void f.get(t));
            f.set(w1);
            keysNear(() => void e.f.get(ONE).get(t).simd(SUB));
            f.set(w2);
            keysFar(() => void e.f.get(TWO).get(t).simd(SUB));
            f.set(w3);
          }
          e.shuffle64(w0, w1, [0, 2]).f.set(wxA);
          e.shuffle64(w2, w3, [0, 2]).f.set(wxB);
          e.shuffle64(w0, w1, [1, 3]).f.set(wyA);
          e.shuffle64(w2, w3, [1, 3]).f.set(wyB);
          taps(interior);
          for (let k = 0; k < 4; k++) {
            f.get(wxA).get(A[k]);
            e.v(MUL).f.get(wxB).get(B[k]);
            e.v(MUL).v(ADD).f.set(A[k]);
          }
          e.shuffle64(A[0], A[1], [0, 2]).shuffle64(A[0], A[1], [1, 3]).v(ADD).f.set(h01);
          e.shuffle64(A[2], A[3], [0, 2]).shuffle64(A[2], A[3], [1, 3]).v(ADD).f.set(h23);
          f.get(wyA).get(h01);
          e.v(MUL).f.get(wyB).get(h23);
          e.v(MUL).v(ADD).f.tee(u);
          f.simd(EXTRACT).op(0).get(u).simd(EXTRACT).op(1).op(0xa0).set(v);
          // v < lo ? lo : v > hi ? hi : v
          f.get(lo).get(hi).get(v).get(v).get(hi).op(0x64, 0x1b).get(v).get(lo).op(0x63, 0x1b).set(val);
        },
      );
    };
    if (interior) inside();
    else f.ifThen(inBounds, inside);
    f.get(oaddr).get(val);
    if (out32) f.op(0xb6).f32store(0);
    else f.f64store(0);
    f.get(oaddr).i32(size).op(0x6a).set(oaddr);
  };

  f.forLoop(
    r,
    () => void f.get(r0),
    () => void f.get(r1),
    () => void f.i32(1),
    () => {
      f.get(r).op(0xb7).get(q0y).op(0xa0).set(qy);
      f.get(qy).simd(SPLAT).get(BD);
      e.v(MUL).f.set(BQ);
      f.get(out)
        .get(r)
        .get(outW)
        .op(0x6c)
        .i32(out32 ? 2 : 3)
        .op(0x74, 0x6a)
        .set(oaddr);
      f.i32(0).set(rowMay);
      f.ifThen(
        () => void f.get(mask),
        () => void f.get(holeRows).get(r).op(0x6a).mem(0x2d, 0, 0).set(rowMay), // i32.load8_u
      );
      // [0, lo) and [end, outW) may reach the border or beyond; [lo, end) is interior.
      f.get(interiorCols).get(r).i32(3).op(0x74, 0x6a).tee(p).mem(0x28, 2, 0).set(lo0);
      f.get(p).mem(0x28, 2, 4).set(end0);
      for (const [from, to, interior] of [
        [() => void f.i32(0), () => void f.get(lo0), false],
        [() => void f.get(lo0), () => void f.get(end0), true],
        [() => void f.get(end0), () => void f.get(outW), false],
      ] as const)
        f.forLoop(
          col,
          from,
          to,
          () => void f.i32(1),
          () => pixel(interior),
        );
    },
  );
}

/**
 * Range and NaN count of `rows` rows of `rowLen` float64 values, `pitch` bytes apart: writes
 * (min, max, NaN count, NaNs listed) as f64 at `result`, and lists the first `capacity` NaN samples
 * (as byte address / 8, a u32 each) at `list`, so the hole filling need not scan the grid again.
 * min/max compare as `v < min` / `v > max` do, so NaN never enters them.
 *
 * `reg_range` reads the rows where they are; `reg_layoutI16` first makes them from int16 samples
 * (`srcPitch` bytes a row at `src`), as ../../fits/scaling.ts's toFloat64 does: (raw · scale + zero),
 * NaN where raw = blank (a blank outside int16 never matches), then divided by `divisor` (x / 1 = x).
 */
function rangeKernel(mb: ModuleBuilder, fromInt16: boolean): void {
  const f = fromInt16
    ? mb.func('reg_layoutI16', [I, I, I, I, I, I, I, I, I, F, F, F, I])
    : mb.func('reg_range', [I, I, I, I, I, I, I]);
  const e = new Emit(f);
  const [src, srcPitch] = fromInt16 ? f.params : [];
  const [ptr, pitch, rowLen, rows, result, list, capacity, scale, zero, divisor, blank] = fromInt16
    ? f.params.slice(2)
    : f.params;
  const [r, o, rowEnd, pairEnd, row, srcRow, tail, tailStart, listed, at, raw] = Array.from(
    { length: 11 },
    () => f.local(I),
  );
  const [lo, hi, nans, x, rowStart, ints, SCALE, ZERO, DIVISOR, BLANK, NAN] = Array.from({ length: 11 }, () =>
    f.local(V),
  );
  const [l0, l1] = [f.local(F), f.local(F)];
  f.f64c(Infinity).simd(SPLAT).set(lo);
  f.f64c(-Infinity).simd(SPLAT).set(hi);
  if (fromInt16) {
    f.get(scale).simd(SPLAT).set(SCALE);
    f.get(zero).simd(SPLAT).set(ZERO);
    f.get(divisor).simd(SPLAT).set(DIVISOR);
    f.get(blank).simd(I32X4_SPLAT).set(BLANK);
    f.f64c(NaN).simd(SPLAT).set(NAN);
  }
  f.get(rowLen).i32(3).op(0x74).set(rowEnd);
  f.get(rowEnd).i32(-16).op(0x71).set(pairEnd);
  const take = () => {
    f.get(lo).get(x);
    e.v(PMIN).f.set(lo);
    f.get(hi).get(x);
    e.v(PMAX).f.set(hi);
  };
  // Lists the sample at byte address `at` if it is NaN and the list has room.
  const note = () =>
    void f.ifThen(
      () => void f.get(at).f64load(0).tee(l0).get(l0).op(0x62), // f64.ne
      () =>
        void f.ifThen(
          () => void f.get(listed).get(capacity).op(0x49), // i32.lt_u
          () => {
            f.get(list).get(listed).i32(2).op(0x74, 0x6a); // list + 4·listed
            f.get(at).i32(3).op(0x76).mem(0x36, 2, 0); // i32.store (at >> 3)
            f.get(listed).i32(1).op(0x6a).set(listed);
          },
        ),
    );
  // The two samples of output bytes [o, o + 16) of the row into x, written out when made here.
  const pair = () => {
    if (!fromInt16) {
      f.get(row).get(o).op(0x6a).mem(LOAD, 3, 0, true).set(x);
      return;
    }
    f.get(srcRow).get(o).i32(2).op(0x76, 0x6a).mem(LOAD32_ZERO, 1, 0, true);
    f.simd(I32_EXTEND_LOW_I16).tee(ints).simd(F64_CONVERT_LOW_I32);
    f.get(SCALE);
    e.v(MUL).f.get(ZERO);
    e.v(ADD).f.set(x);
    f.get(NAN).get(x).get(ints).get(BLANK);
    e.v(I32_EQ).v(I64_EXTEND_LOW).v(BITSELECT).f.get(DIVISOR);
    e.v(DIV).f.set(x);
    f.get(row).get(o).op(0x6a).get(x).mem(STORE, 3, 0, true);
  };
  // The odd last sample of the row into x (both lanes), written out when made here.
  const last = () => {
    f.get(row).get(pairEnd).op(0x6a).set(at);
    if (!fromInt16) {
      f.get(at).mem(LOAD64_SPLAT, 3, 0, true).set(x);
      return;
    }
    f.get(srcRow).get(pairEnd).i32(2).op(0x76, 0x6a).mem(0x2e, 1, 0).tee(raw); // i32.load16_s
    f.op(0xb7).get(scale).op(0xa2).get(zero).op(0xa0); // f64(raw) · scale + zero
    f.f64c(NaN).get(raw).get(blank).op(0x47, 0x1b).get(divisor).op(0xa3).set(l0); // blank → NaN; / divisor
    f.get(at).get(l0).f64store(0);
    f.get(l0).simd(SPLAT).set(x);
  };
  f.forLoop(
    r,
    () => void f.i32(0),
    () => void f.get(rows),
    () => void f.i32(1),
    () => {
      f.get(ptr).get(r).get(pitch).op(0x6c, 0x6a).set(row);
      if (fromInt16) f.get(src).get(r).get(srcPitch).op(0x6c, 0x6a).set(srcRow);
      f.get(nans).set(rowStart);
      f.get(tail).set(tailStart);
      f.forLoop(
        o,
        () => void f.i32(0),
        () => void f.get(pairEnd),
        () => void f.i32(16),
        () => {
          pair();
          take();
          f.get(nans).get(x).get(x);
          e.v(NE).v(I64_SUB).f.set(nans);
        },
      );
      f.ifThen(
        () => void f.get(pairEnd).get(rowEnd).op(0x49),
        () => {
          last();
          take();
          f.get(x).simd(EXTRACT).op(0).tee(l0).get(l0).op(0x62).get(tail).op(0x6a).set(tail);
        },
      );
      // Holes are rare: a row whose NaN count grew is looked at again, sample by sample.
      f.ifThen(
        () => {
          f.get(nans).get(rowStart).simd(XOR).simd(ANY_TRUE);
          f.get(tail).get(tailStart).op(0x47, 0x72); // i32.ne, i32.or
        },
        () =>
          void f.forLoop(
            o,
            () => void f.i32(0),
            () => void f.get(rowEnd),
            () => void f.i32(8),
            () => {
              f.get(row).get(o).op(0x6a).set(at);
              note();
            },
          ),
      );
    },
  );
  // fold the lanes: min = l1 < l0 ? l1 : l0, max likewise
  const fold = (acc: Local, cmp: number, slot: number) => {
    f.get(acc).simd(EXTRACT).op(0).set(l0);
    f.get(acc).simd(EXTRACT).op(1).set(l1);
    f.get(result)
      .get(l1)
      .get(l0)
      .get(l1)
      .get(l0)
      .op(cmp, 0x1b)
      .f64store(slot * 8);
  };
  fold(lo, 0x63, 0);
  fold(hi, 0x64, 1);
  f.get(result);
  f.get(nans).simd(I64_EXTRACT).op(0).get(nans).simd(I64_EXTRACT).op(1).op(0x7c).op(0xa7); // i64 add, wrap
  f.get(tail).op(0x6a).op(0xb7).f64store(16);
  f.get(result).get(listed).op(0xb8).f64store(24); // f64.convert_i32_u
}

/**
 * Per-row summary of a mask of `w` bytes a row: flags[r] = 1 where row r (of [r0, r1)) has a nonzero
 * byte, else 0. Lets the resampler skip the 2×2 footprint test on rows with no missing pixel.
 */
function maskRows(mb: ModuleBuilder): void {
  const f = mb.func('reg_maskRows', [I, I, I, I, I]);
  const [mask, w, r0, r1, flags] = f.params;
  const [r, o, row, vecEnd, any] = Array.from({ length: 5 }, () => f.local(I));
  const acc = f.local(V);
  f.get(w).i32(-16).op(0x71).set(vecEnd);
  f.forLoop(
    r,
    () => void f.get(r0),
    () => void f.get(r1),
    () => void f.i32(1),
    () => {
      f.get(mask).get(r).get(w).op(0x6c, 0x6a).set(row);
      f.i32(0).simd(0x11).set(acc); // i32x4.splat 0
      f.forLoop(
        o,
        () => void f.i32(0),
        () => void f.get(vecEnd),
        () => void f.i32(16),
        () => {
          f.get(acc).get(row).get(o).op(0x6a).mem(LOAD, 0, 0, true).simd(0x50).set(acc); // v128.or
        },
      );
      f.get(acc).simd(ANY_TRUE).set(any);
      f.forLoop(
        o,
        () => void f.get(vecEnd),
        () => void f.get(w),
        () => void f.i32(1),
        () => void f.get(any).get(row).get(o).op(0x6a).mem(0x2d, 0, 0).op(0x72).set(any),
      );
      f.get(flags).get(r).op(0x6a).get(any).i32(0).op(0x47).mem(0x3a, 0, 0); // i32.store8 (any ≠ 0)
    },
  );
}

/** Adds the register kernels (exports `reg_*`) to the compute engine's module. */
export function addRegisterKernels(mb: ModuleBuilder): void {
  prefilterRows(mb);
  prefilterColumns(mb);
  const mirror = mirrorFunction(mb);
  for (const bspline of [true, false])
    for (const out32 of [true, false]) resample(mb, mirror, bspline, out32);
  rangeKernel(mb, false);
  rangeKernel(mb, true);
  maskRows(mb);
}
