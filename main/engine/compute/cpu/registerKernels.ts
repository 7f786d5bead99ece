/**
 * WebAssembly SIMD (f64x2) kernels for register, generated at run time with ./wasmBuilder.ts into the
 * compute engine's module (./computeEngine.ts). All arithmetic is float64 in the order the scalar
 * definitions in ../../register/ state it (the B-spline prefilter of splinePrefilter.ts, scipy's
 * coordinate order ((qx·a + qy·b) + offset)); only the 16-tap sum is paired for the lanes and the
 * B-spline weights share their powers (see bsplineWeightPair), a few ulp from scipy's, 5e-13 of the
 * image maximum at worst on the golden files. Addresses are byte offsets into the shared memory.
 */
import { Func, Local, ModuleBuilder, T, type Expr } from './wasmBuilder.js';
import { F32, F32X4, F64, F64X2, I32, I32X4, I64X2, Op, V128, type FloatLanes } from './wasmOpcodes.js';

import { ANTICAUSAL_NORM, GAIN, POLE } from '../../register/splinePrefilter.js';
import {
  addClearKernel,
  addFloat32RangeKernels,
  addPlainLayoutKernel,
  addRangeKernels,
  elementShift,
  type GridElement,
} from './rangeKernels.js';

const I = T.i32;
const F = T.f64;
const V = T.v128;

/**
 * Slots of a resampling's parameter block (f64 each, byte offset = 8 × slot). Pairs sit side by side
 * so the kernel loads (a, c), (b, d), (ox, oy) and (xMax, yMax) as vectors.
 */
const Slot = {
  matrixAC: 0,
  matrixBD: 2,
  offset: 4,
  max: 6,
  qOriginX: 8,
  qOriginY: 9,
  missing: 10,
  clipLo: 11,
  clipHi: 12,
  gridAt: 13,
  gridWidth: 14,
  gridHeight: 15,
  maskAt: 16,
  outAt: 17,
  outputWidth: 18,
  maskRowsAt: 19,
  holeRowsAt: 20,
  interiorColsAt: 21,
} as const;

/** The parameters written as they are, one slot each. */
const SCALAR_SLOTS = [
  'missing',
  'clipLo',
  'clipHi',
  'gridAt',
  'gridWidth',
  'gridHeight',
  'maskAt',
  'outAt',
  'outputWidth',
  'maskRowsAt',
  'holeRowsAt',
  'interiorColsAt',
] as const;

/** Parameter block of a resampling (f64 slots, byte offset = 8 × slot); see resampleParams. */
export const RESAMPLE_SLOTS = 22;

/** Writes a resampling's parameters where the kernel reads them. */
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
  block.set([a, c], Slot.matrixAC);
  block.set([b, d], Slot.matrixBD);
  block.set(p.offset, Slot.offset);
  block.set([p.gridWidth - 1, p.gridHeight - 1], Slot.max);
  block.set(p.qOrigin, Slot.qOriginX);
  for (const key of SCALAR_SLOTS) block[Slot[key]] = p[key];
}

/** A new local holding `x` in both f64 lanes. */
function f64x2Constant(f: Func, x: number): Local {
  const l = f.local(V);
  f.f64(x).op(F64X2.splat).set(l);
  return l;
}

/** Pushes the f64x2 shuffle of locals a and b taking f64 lanes `picks` (0–1: a's, 2–3: b's). */
function shuffle64(f: Func, a: Local, b: Local, picks: [number, number]): void {
  f.get(a, b).shuffleLanes(8, picks);
}

/** The prefilter's constants in both lanes: the recursion's, then the line's zLast and norm (params). */
interface SplineConstants {
  gain: Local;
  pole: Local;
  anticausalNorm: Local;
  zLast: Local;
  norm: Local;
}

function splineConstants(f: Func, zLast: Local, norm: Local): SplineConstants {
  const gain = f64x2Constant(f, GAIN);
  const pole = f64x2Constant(f, POLE);
  const anticausalNorm = f64x2Constant(f, ANTICAUSAL_NORM);
  const [zLastLanes, normLanes] = f.locals(V, 2);
  f.get(zLast).op(F64X2.splat).set(zLastLanes);
  f.get(norm).op(F64X2.splat).set(normLanes);
  return { gain, pole, anticausalNorm, zLast: zLastLanes, norm: normLanes };
}

/**
 * Pushes G·a + zLast·(G·b), the exact B-spline prefilter's term for a sample and its mirror (each
 * pushed by its callback): the causal start's first term, and each later one before its z^k.
 */
function mirroredTerm(f: Func, c: SplineConstants, sample: Expr, mirror: Expr): void {
  f.get(c.gain);
  sample();
  f.op(F64X2.mul).get(c.zLast, c.gain);
  mirror();
  f.op(F64X2.mul, F64X2.mul, F64X2.add);
}

/** Row pairs (one f64x2 each, lane = row) a prefilterRows step works on, with independent recursions. */
const ROW_PAIRS = 4;

/** The state of prefilterRows over one band of 2·ROW_PAIRS rows. */
interface RowBand {
  f: Func;
  c: SplineConstants;
  /** The grid's sample type (float32 samples are widened as they are loaded, rounded as stored). */
  element: GridElement;
  /** Each row's first sample (byte address). */
  rowStart: Local[];
  /** Each row pair's recursion (lane = row). */
  state: Local[];
  rowBytes: Local;
  /** Byte offset of a row's last sample. */
  lastOffset: Local;
}

/** Pushes row pair k's samples at byte offset `at` (lane = row). */
function loadRowPair(band: RowBand, k: number, at: Expr): void {
  const { f, rowStart } = band;
  f.get(rowStart[2 * k + 1]);
  at();
  f.op(I32.add).get(rowStart[2 * k]);
  at();
  f.op(I32.add);
  if (band.element === 'f32') f.mem(V128.load32Zero).memLane(V128.load32Lane, 1).op(F64X2.promoteLowF32x4);
  else f.mem(V128.load64Zero).memLane(V128.load64Lane, 1);
}

/** Writes row pair k's state to byte offset `at` of its two rows. */
function storeRowPair(band: RowBand, k: number, at: Expr): void {
  const { f, rowStart } = band;
  for (let lane = 0; lane < 2; lane++) {
    f.get(rowStart[2 * k + lane]);
    at();
    f.op(I32.add).get(band.state[k]);
    if (band.element === 'f32') f.op(F32X4.demoteF64x2Zero).memLane(V128.store32Lane, lane);
    else f.memLane(V128.store64Lane, lane);
  }
}

/** Each pair's recursion from its row pair: state[k] = value pushed by `step(k)`, for every pair. */
function updateRowPairs(band: RowBand, step: (k: number) => void): void {
  for (let k = 0; k < ROW_PAIRS; k++) {
    step(k);
    band.f.set(band.state[k]);
  }
}

/**
 * Rows of the prefilter: 2·ROW_PAIRS rows at a time, two per f64x2 (lane = row). `columnsCausal` (a
 * float32 grid's `reg_prefilterRowsCausal_f32`, one more parameter: chunkRows) also runs the columns'
 * causal recursion down each block of rows while they are still in cache (one pass over the grid
 * less), restarting from zero at every chunk start (rows firstRow + k·chunkRows): the chunks' carries
 * are added afterwards (prefilterChunkedColumns), so that chunks on different threads need not wait for each other.
 */
function prefilterRows(mb: ModuleBuilder, element: GridElement, columnsCausal = false): void {
  const name = columnsCausal
    ? 'reg_prefilterRowsCausal_f32'
    : `reg_prefilterRows${element === 'f64' ? '' : '_f32'}`;
  const f = mb.func(name, columnsCausal ? [I, I, I, I, I, F, F, I] : [I, I, I, I, I, F, F]);
  const shift = elementShift(element);
  const [grid, width, firstRow, endRow, terms, zLast, norm, chunkRows] = f.params;
  const rowStart = f.locals(I, 2 * ROW_PAIRS);
  const state = f.locals(V, ROW_PAIRS);
  const [row, offset, index, rowBytes, lastOffset] = f.locals(I, 5);
  const zPower = f.local(V);
  const c = splineConstants(f, zLast, norm);
  f.get(width).i32(shift).op(I32.shl).set(rowBytes);
  f.get(rowBytes)
    .i32(1 << shift)
    .op(I32.sub)
    .set(lastOffset);
  const band: RowBand = { f, c, element, rowStart, state, rowBytes, lastOffset };
  const columns = columnsCausal ? float32Columns(f, grid, width) : undefined;
  f.forLoop(
    row,
    () => void f.get(firstRow),
    () => void f.get(endRow),
    () => void f.i32(2 * ROW_PAIRS),
    () => {
      bandRowStarts(band, grid, row, endRow);
      rowsCausalStart(band, terms, index, offset, zPower);
      rowsCausalSweep(band, offset);
      rowsAnticausal(band, index, offset);
      if (columns)
        blockColumnsCausal(f, { ...columns, row, endRow, firstRow, chunkRows, rowBytes, index, offset });
    },
  );
}

/**
 * A walker over whole rows of a float32 grid, its locals declared here: four columns per step (the
 * value evaluated per pair of them, in f64x2, and the four stored as one f32x4), then the last 0–3
 * columns as columnWalker takes them.
 */
function wholeRows(f: Func, grid: Local, width: Local): ColumnWalk {
  const [column, quadsEnd, pairsEnd] = f.locals(I, 3);
  const endOf = (mask: number, from: Expr, into: Local) => {
    f.get(width).i32(mask).op(I32.and).i32(2).op(I32.shl);
    from();
    f.op(I32.add).set(into);
  };
  endOf(-4, () => void f.get(grid), quadsEnd);
  endOf(2, () => void f.get(quadsEnd), pairsEnd);
  const tail = columnWalker(f, 'f32', column, quadsEnd, pairsEnd, () => void f.get(width).i32(1).op(I32.and));
  let half = 0;
  const at = (row: RowOffset) => {
    f.get(column);
    row();
    f.op(I32.add);
  };
  const quad: ColumnAccess = {
    load: (row) => {
      at(row);
      f.mem(V128.load64Zero, 8 * half, 2).op(F64X2.promoteLowF32x4);
    },
    store: (row, value) => {
      at(row);
      // `value` twice, its loads reading the first pair of columns, then the second
      for (half = 0; half < 2; half++) {
        value();
        f.op(F32X4.demoteF64x2Zero);
      }
      half = 0;
      f.shuffleLanes(4, [0, 1, 4, 5]).mem(V128.store, 0, 2);
    },
  };
  return (body) => {
    f.forLoop(
      column,
      () => void f.get(grid),
      () => void f.get(quadsEnd),
      () => void f.i32(16),
      () => body(quad),
    );
    tail(body);
  };
}

/**
 * A float32 walk over whole rows, its locals declared here: `sweep(rowOffset, value)` stores at every
 * column of the row at rowOffset the f32x4 value pushed by `value(load)`, four columns at a time (then
 * one, in lane 0), `load(offset)` pushing the columns' samples at a row offset; with G and z in lanes.
 */
function float32Columns(f: Func, grid: Local, width: Local) {
  const l = { grid, width, ...f.named(I, 'column', 'quadsEnd', 'rowEnd'), ...f.named(V, 'gain', 'pole') };
  f.get(width).i32(2).op(I32.shl).get(grid).op(I32.add).set(l.rowEnd);
  f.get(width).i32(-4).op(I32.and).i32(2).op(I32.shl).get(grid).op(I32.add).set(l.quadsEnd);
  f.f32(GAIN).op(F32X4.splat).set(l.gain);
  f.f32(POLE).op(F32X4.splat).set(l.pole);
  const at = (offset: Expr) => {
    f.get(l.column);
    offset();
    f.op(I32.add);
  };
  const sweep = (rowOffset: Local, value: (load: (offset: Expr) => void) => void) => {
    f.forLoop(
      l.column,
      () => void f.get(grid),
      () => void f.get(l.quadsEnd),
      () => void f.i32(16),
      () => {
        at(() => void f.get(rowOffset));
        value((offset) => void (at(offset), f.mem(V128.load, 0, 2)));
        f.mem(V128.store, 0, 2);
      },
    );
    f.forLoop(
      l.column,
      () => void f.get(l.quadsEnd),
      () => void f.get(l.rowEnd),
      () => void f.i32(4),
      () => {
        at(() => void f.get(rowOffset));
        value((offset) => void (at(offset), f.mem(V128.load32Zero, 0, 2)));
        f.memLane(V128.store32Lane, 0);
      },
    );
  };
  return { ...l, sweep };
}

type Float32Columns = ReturnType<typeof float32Columns>;

/**
 * The columns' causal recursion c[y] = G·x[y] + z·c[y−1] on rows y = row … min(row + 2·ROW_PAIRS,
 * endRow) − 1 (row-filtered already), in row order, each row whole; c[y] = G·x[y] at a chunk's start.
 * In float32 arithmetic, four columns per f32x4 (then one at a time): the rows are in cache, and the
 * float64 way (two conversions per pair of columns) made this step cost 4.9 ms of 17.4 (one thread,
 * 4096²) against 1.9. On a 4096² test grid the coefficients stay within 3.6e−7 of the float64
 * prefilter's (2.9e−7 with float64 arithmetic; the column kernel: 5.2e−7, at its row-0 start).
 */
function blockColumnsCausal(
  f: Func,
  l: Float32Columns &
    Record<'row' | 'endRow' | 'firstRow' | 'chunkRows' | 'rowBytes' | 'index' | 'offset', Local>,
): void {
  const y = l.index;
  const rowOffset = l.offset;
  const sweep = (recursive: boolean) =>
    l.sweep(rowOffset, (load) => {
      load(() => void f.get(rowOffset));
      f.get(l.gain).op(F32X4.mul);
      if (recursive) {
        load(() => void f.get(rowOffset, l.rowBytes).op(I32.sub));
        f.get(l.pole).op(F32X4.mul, F32X4.add);
      }
    });
  f.forLoop(
    y,
    () => void f.get(l.row),
    () => {
      f.get(l.row)
        .i32(2 * ROW_PAIRS)
        .op(I32.add)
        .get(l.endRow);
      f.get(l.row)
        .i32(2 * ROW_PAIRS)
        .op(I32.add)
        .get(l.endRow)
        .op(I32.ltS, Op.select);
    },
    () => void f.i32(1),
    () => {
      f.get(y, l.rowBytes).op(I32.mul).set(rowOffset);
      f.ifThen(
        () => void f.get(y, l.firstRow).op(I32.sub).get(l.chunkRows).op(I32.remS),
        () => sweep(true),
        () => sweep(false),
      );
    },
  );
}

/**
 * The band's row addresses. Rows past the band's end repeat its last row; every step loads all rows
 * before it stores any, so the repeats read what the first copy reads and write the same values.
 */
function bandRowStarts(band: RowBand, grid: Local, row: Local, endRow: Local): void {
  const { f } = band;
  for (let j = 0; j < 2 * ROW_PAIRS; j++) {
    f.get(grid);
    f.get(row).i32(j).op(I32.add).get(endRow).i32(1).op(I32.sub); // row + j, or the last row
    f.get(row).i32(j).op(I32.add).get(endRow).op(I32.ltS); // when row + j < endRow
    f.op(Op.select).get(band.rowBytes).op(I32.mul, I32.add).set(band.rowStart[j]);
  }
}

/** c[0] = (G·x[0] + zLast·(G·x[n−1]) + Σ_{i=1..K} z^i·(G·x[i] + zLast·(G·x[n−1−i]))) / norm, stored. */
function rowsCausalStart(band: RowBand, terms: Local, term: Local, offset: Local, zPower: Local): void {
  const { f, c, state, lastOffset } = band;
  const first = () => void f.i32(0);
  updateRowPairs(band, (k) =>
    mirroredTerm(
      f,
      c,
      () => loadRowPair(band, k, first),
      () => loadRowPair(band, k, () => void f.get(lastOffset)),
    ),
  );
  f.get(c.pole).set(zPower);
  f.forLoop(
    term,
    () => void f.i32(1),
    () => void f.get(terms).i32(1).op(I32.add),
    () => void f.i32(1),
    () => {
      f.get(term).i32(elementShift(band.element)).op(I32.shl).set(offset);
      updateRowPairs(band, (k) => {
        f.get(state[k], zPower);
        mirroredTerm(
          f,
          c,
          () => loadRowPair(band, k, () => void f.get(offset)),
          () => loadRowPair(band, k, () => void f.get(lastOffset, offset).op(I32.sub)),
        );
        f.op(F64X2.mul, F64X2.add);
      });
      f.get(zPower, c.pole).op(F64X2.mul).set(zPower);
    },
  );
  for (let k = 0; k < ROW_PAIRS; k++) {
    f.get(state[k], c.norm).op(F64X2.div).set(state[k]);
    storeRowPair(band, k, first);
  }
}

/** c[i] = G·x[i] + z·c[i−1], i = 1…n−1. */
function rowsCausalSweep(band: RowBand, offset: Local): void {
  const { f, c, state } = band;
  const size = 1 << elementShift(band.element);
  f.forLoop(
    offset,
    () => void f.i32(size),
    () => void f.get(band.rowBytes),
    () => void f.i32(size),
    () => {
      updateRowPairs(band, (k) => {
        f.get(c.gain);
        loadRowPair(band, k, () => void f.get(offset));
        f.op(F64X2.mul).get(c.pole, state[k]).op(F64X2.mul, F64X2.add);
      });
      for (let k = 0; k < ROW_PAIRS; k++) storeRowPair(band, k, () => void f.get(offset));
    },
  );
}

/** d[n−1] = ((z·c[n−2] + c[n−1])·z) / (z² − 1), then d[i] = z·(d[i+1] − c[i]) from i = n − 2 down. */
function rowsAnticausal(band: RowBand, bytesFromEnd: Local, offset: Local): void {
  const { f, c, state, lastOffset } = band;
  const size = 1 << elementShift(band.element);
  updateRowPairs(band, (k) => {
    f.get(c.pole);
    loadRowPair(band, k, () => void f.get(lastOffset).i32(size).op(I32.sub));
    f.op(F64X2.mul).get(state[k]).op(F64X2.add).get(c.pole).op(F64X2.mul).get(c.anticausalNorm).op(F64X2.div);
  });
  for (let k = 0; k < ROW_PAIRS; k++) storeRowPair(band, k, () => void f.get(lastOffset));
  f.forLoop(
    bytesFromEnd,
    () => void f.i32(size),
    () => void f.get(band.rowBytes),
    () => void f.i32(size),
    () => {
      f.get(lastOffset, bytesFromEnd).op(I32.sub).set(offset);
      updateRowPairs(band, (k) => {
        f.get(c.pole, state[k]);
        loadRowPair(band, k, () => void f.get(offset));
        f.op(F64X2.sub, F64X2.mul);
      });
      for (let k = 0; k < ROW_PAIRS; k++) storeRowPair(band, k, () => void f.get(offset));
    },
  );
}

/** Pushes a row offset (bytes) for a column access. */
type RowOffset = Expr;

/**
 * Loads and stores at column address + row offset: a column pair, or (single) one column in lane 0, or
 * (wholeRows) four columns, a pair at a time.
 */
interface ColumnAccess {
  load: (row: RowOffset) => void;
  store: (row: RowOffset, value: Expr) => void;
}

/** The state of prefilterColumns: its locals, and every step's walk over the columns. */
interface ColumnBand {
  f: Func;
  c: SplineConstants;
  rowBytes: Local;
  /** Byte offset of the last row. */
  lastRowOffset: Local;
  /** Byte offset past the last row. */
  endOffset: Local;
  /** `body` for every column pair at its row-0 address, then for an odd last column alone. */
  eachColumn: (body: (access: ColumnAccess) => void) => void;
}

/**
 * Columns of the prefilter over [c0, c1), swept in row order: each step updates a whole row segment
 * (two columns per f64x2) from the row before or after it, so memory is read and written in long runs
 * the prefetcher follows, where a column-at-a-time walk touches a new page every row. The per-column
 * arithmetic is the column recursion's, operation for operation (./splinePrefilter.ts); row 0
 * accumulates the causal start (rows 1…K and their mirrors are not written before it is done). An odd
 * last column is done alone (a splat load, a one-lane store).
 */
function prefilterColumns(mb: ModuleBuilder, element: GridElement): void {
  const f = mb.func(`reg_prefilterCols${element === 'f64' ? '' : '_f32'}`, [I, I, I, I, I, I, F, F]);
  const shift = elementShift(element);
  const [grid, width, height, firstColumn, endColumn, terms, zLast, norm] = f.params;
  const [column, index, rowOffset, rowBytes, lastRowOffset, endOffset, start, pairsEnd] = f.locals(I, 8);
  const c = splineConstants(f, zLast, norm);
  const zPower = f.local(V);
  f.get(width).i32(shift).op(I32.shl).set(rowBytes);
  f.get(height).i32(1).op(I32.sub).get(rowBytes).op(I32.mul).set(lastRowOffset);
  f.get(lastRowOffset, rowBytes).op(I32.add).set(endOffset);
  f.get(grid, firstColumn).i32(shift).op(I32.shl, I32.add).set(start);
  f.get(endColumn, firstColumn)
    .op(I32.sub)
    .i32(-2)
    .op(I32.and)
    .i32(shift)
    .op(I32.shl)
    .get(start)
    .op(I32.add)
    .set(pairsEnd);

  const eachColumn = columnWalker(f, element, column, start, pairsEnd, () => {
    f.get(endColumn, firstColumn).op(I32.sub).i32(1).op(I32.and); // odd width
  });
  const band: ColumnBand = { f, c, rowBytes, lastRowOffset, endOffset, eachColumn };
  columnsCausalStart(band, terms, index, rowOffset, zPower);
  columnsCausalSweep(band, rowOffset);
  columnsAnticausal(band, index, rowOffset);
}

/**
 * Runs `body` for every column pair of a row segment (column = its address in row 0, from `start` to
 * `pairsEnd`), then for an odd last column alone when `odd` pushes nonzero: a splat load and a one-lane
 * store there.
 */
function columnWalker(
  f: Func,
  element: GridElement,
  column: Local,
  start: Local,
  pairsEnd: Local,
  odd: Expr,
): ColumnWalk {
  const shift = elementShift(element);
  const f32 = element === 'f32';
  const access = (single: boolean): ColumnAccess => {
    const at = (row: RowOffset) => {
      f.get(column);
      row();
      f.op(I32.add);
    };
    return {
      load: (row) => {
        at(row);
        if (f32 && single) f.mem(F32.load).op(F64.promoteF32, F64X2.splat);
        else if (f32) f.mem(V128.load64Zero, 0, 2).op(F64X2.promoteLowF32x4);
        else if (single) f.mem(V128.load64Splat);
        else f.mem(V128.load);
      },
      store: (row, value) => {
        at(row);
        value();
        if (f32) f.op(F32X4.demoteF64x2Zero);
        if (f32 && single) f.memLane(V128.store32Lane, 0);
        else if (single || f32) f.memLane(V128.store64Lane, 0);
        else f.mem(V128.store);
      },
    };
  };
  return (body) => {
    f.forLoop(
      column,
      () => void f.get(start),
      () => void f.get(pairsEnd),
      () => void f.i32(2 << shift),
      () => body(access(false)),
    );
    f.ifThen(odd, () => {
      f.get(pairsEnd).set(column);
      body(access(true));
    });
  };
}

/** c[0] = G·x[0] + zLast·(G·x[n−1]), then + z^y·(G·x[y] + zLast·(G·x[n−1−y])) for y = 1…K, / norm */
function columnsCausalStart(band: ColumnBand, terms: Local, y: Local, rowOffset: Local, zPower: Local): void {
  const { f, c, lastRowOffset, eachColumn } = band;
  const first = () => void f.i32(0);
  eachColumn(({ load, store }) =>
    store(first, () =>
      mirroredTerm(
        f,
        c,
        () => load(first),
        () => load(() => void f.get(lastRowOffset)),
      ),
    ),
  );
  f.get(c.pole).set(zPower);
  f.forLoop(
    y,
    () => void f.i32(1),
    () => void f.get(terms).i32(1).op(I32.add),
    () => void f.i32(1),
    () => {
      f.get(y, band.rowBytes).op(I32.mul).set(rowOffset);
      eachColumn(({ load, store }) =>
        store(first, () => {
          load(first);
          f.get(zPower);
          mirroredTerm(
            f,
            c,
            () => load(() => void f.get(rowOffset)),
            () => load(() => void f.get(lastRowOffset, rowOffset).op(I32.sub)),
          );
          f.op(F64X2.mul, F64X2.add);
        }),
      );
      f.get(zPower, c.pole).op(F64X2.mul).set(zPower);
    },
  );
  eachColumn(({ load, store }) =>
    store(first, () => {
      load(first);
      f.get(c.norm).op(F64X2.div);
    }),
  );
}

/** c[i] = G·x[i] + z·c[i−1] */
function columnsCausalSweep(band: ColumnBand, rowOffset: Local): void {
  const { f, c, rowBytes } = band;
  const row = () => void f.get(rowOffset);
  f.forLoop(
    rowOffset,
    () => void f.get(rowBytes),
    () => void f.get(band.endOffset),
    () => void f.get(rowBytes),
    () =>
      band.eachColumn(({ load, store }) =>
        store(row, () => {
          f.get(c.gain);
          load(row);
          f.op(F64X2.mul).get(c.pole);
          load(() => void f.get(rowOffset, rowBytes).op(I32.sub));
          f.op(F64X2.mul, F64X2.add);
        }),
      ),
  );
}

/** d[n−1] = ((z·c[n−2] + c[n−1])·z) / (z² − 1), then d[i] = z·(d[i+1] − c[i]) from row n − 2 up */
function columnsAnticausal(band: ColumnBand, bytesFromEnd: Local, rowOffset: Local): void {
  const { f, c, rowBytes, lastRowOffset } = band;
  const lastRow = () => void f.get(lastRowOffset);
  band.eachColumn(({ load, store }) =>
    store(lastRow, () => {
      f.get(c.pole);
      load(() => void f.get(lastRowOffset, rowBytes).op(I32.sub));
      f.op(F64X2.mul);
      load(lastRow);
      f.op(F64X2.add).get(c.pole).op(F64X2.mul).get(c.anticausalNorm).op(F64X2.div);
    }),
  );
  const row = () => void f.get(rowOffset);
  f.forLoop(
    bytesFromEnd,
    () => void f.get(rowBytes),
    () => void f.get(band.endOffset),
    () => void f.get(rowBytes),
    () => {
      f.get(lastRowOffset, bytesFromEnd).op(I32.sub).set(rowOffset);
      band.eachColumn(({ load, store }) =>
        store(row, () => {
          f.get(c.pole);
          load(() => void f.get(rowOffset, rowBytes).op(I32.add));
          load(row);
          f.op(F64X2.sub, F64X2.mul);
        }),
      );
    },
  );
}

/**
 * A float32 grid's column passes after reg_prefilterRowsCausal_f32, on whole rows, over a band of
 * chunks [firstRow, endRow) (chunks of chunkRows rows from firstRow; every chunk longer than `terms`):
 *
 * - reg_prefilterCausalCarry_f32: each chunk's causal start. The chunk was swept from zero; what its
 *   rows lack is z^k·c[s − 1] at row s − 1 + k, the row above being final (a chunk of more than K rows
 *   is not changed in its last row by its own carry, z^K being below 1e−30); at row 0, the exact
 *   start (splinePrefilter.ts, its mirror terms negligible: z^(n−1) ≤ 1e−30).
 * - reg_prefilterAnticausal_f32: each chunk's anti-causal sweep, from the exact end at the grid's last
 *   row, else from zero;
 * - reg_prefilterAnticausalCarry_f32: z^k·d[e] added at row e − k, e the next chunk's first row.
 *
 * Each pass writes only rows its own chunks hold, and reads others' only where that pass writes none.
 */
function prefilterChunkedColumns(mb: ModuleBuilder): void {
  const carry = (
    f: Func,
    eachColumn: ColumnWalk,
    from: Local,
    down: boolean,
    terms: Local,
    l: ChunkLocals,
  ) => {
    f.get(l.pole).set(l.zPower);
    f.forLoop(
      l.k,
      () => void f.i32(1),
      () => void f.get(terms).i32(1).op(I32.add),
      () => void f.i32(1),
      () => {
        f.get(from, l.rowBytes).op(I32.mul).set(l.sourceOffset);
        f.get(l.sourceOffset, l.k, l.rowBytes)
          .op(I32.mul, down ? I32.add : I32.sub)
          .set(l.rowOffset);
        eachColumn(({ load, store }) =>
          store(
            () => void f.get(l.rowOffset),
            () => {
              load(() => void f.get(l.rowOffset));
              f.get(l.zPower);
              load(() => void f.get(l.sourceOffset));
              f.op(F64X2.mul, F64X2.add);
            },
          ),
        );
        f.get(l.zPower, l.pole).op(F64X2.mul).set(l.zPower);
      },
    );
  };
  const eachChunk = (
    f: Func,
    l: ChunkLocals,
    p: Record<'firstRow' | 'endRow' | 'chunkRows', Local>,
    body: () => void,
  ) =>
    f.forLoop(
      l.chunk,
      () => void f.get(p.firstRow),
      () => void f.get(p.endRow),
      () => void f.get(p.chunkRows),
      () => {
        f.get(l.chunk, p.chunkRows).op(I32.add).get(p.endRow);
        f.get(l.chunk, p.chunkRows).op(I32.add).get(p.endRow).op(I32.ltS, Op.select).set(l.chunkEnd);
        body();
      },
    );

  {
    const f = mb.func('reg_prefilterCausalCarry_f32', [I, I, I, I, I, I, I]);
    const [grid, width, firstRow, endRow, chunkRows, terms, scratch] = f.params;
    const l = chunkLocals(f, grid, width);
    const oneMinusZ2 = f64x2Constant(f, 1 - POLE * POLE);
    const rowAt = (y: Expr) => () => {
      y();
      f.get(l.rowBytes).op(I32.mul);
    };
    const scratchRow = () => void f.get(scratch);
    // one row-wise update of every column: row `at` = the value pushed by `value`
    const update = (at: Expr, value: (load: (row: Expr) => void) => void) =>
      l.eachColumn(({ load, store }) => store(at, () => value(load)));
    eachChunk(f, l, { firstRow, endRow, chunkRows }, () =>
      f.ifThen(
        () => void f.get(l.chunk),
        () => {
          f.get(l.chunk).i32(1).op(I32.sub).set(l.source);
          carry(f, l.eachColumn, l.source, true, terms, l);
        },
        () => {
          // c'[y] (from zero) = Σ_{j≤y} z^(y−j)·g[j], so the start Σ_{j≤K} z^j·g[j] is
          // (1 − z²)·Σ_{j<K} z^j·c'[j] + z^K·c'[K]; rows 0…K get z^y·(start − c'[0]). Row by row
          // through the scratch row (`scratch`: its byte offset from the grid): the sum as a
          // recursion from row K − 1 up (a = c'[j] + z·a), then start − c'[0].
          update(scratchRow, (load) => load(rowAt(() => void f.get(terms).i32(1).op(I32.sub))));
          f.get(l.one).set(l.zPower);
          f.forLoop(
            l.k,
            () => void f.i32(1),
            () => void f.get(terms),
            () => void f.i32(1),
            () => {
              update(scratchRow, (load) => {
                load(rowAt(() => void f.get(terms).i32(1).op(I32.sub).get(l.k).op(I32.sub)));
                f.get(l.pole);
                load(scratchRow);
                f.op(F64X2.mul, F64X2.add);
              });
              f.get(l.zPower, l.pole).op(F64X2.mul).set(l.zPower);
            },
          );
          f.get(l.zPower, l.pole).op(F64X2.mul).set(l.zPower); // z^K
          update(scratchRow, (load) => {
            f.get(oneMinusZ2);
            load(scratchRow);
            f.op(F64X2.mul).get(l.zPower);
            load(rowAt(() => void f.get(terms)));
            f.op(F64X2.mul, F64X2.add);
            load(() => void f.i32(0));
            f.op(F64X2.sub);
          });
          f.get(l.one).set(l.zPower);
          f.forLoop(
            l.k,
            () => void f.i32(0),
            () => void f.get(terms).i32(1).op(I32.add),
            () => void f.i32(1),
            () => {
              f.get(l.k, l.rowBytes).op(I32.mul).set(l.rowOffset);
              update(
                () => void f.get(l.rowOffset),
                (load) => {
                  load(() => void f.get(l.rowOffset));
                  f.get(l.zPower);
                  load(scratchRow);
                  f.op(F64X2.mul, F64X2.add);
                },
              );
              f.get(l.zPower, l.pole).op(F64X2.mul).set(l.zPower);
            },
          );
        },
      ),
    );
  }

  {
    const f = mb.func('reg_prefilterAnticausal_f32', [I, I, I, I, I, I]);
    const [grid, width, height, firstRow, endRow, chunkRows] = f.params;
    const l = chunkLocals(f, grid, width);
    const anticausalNorm = f64x2Constant(f, ANTICAUSAL_NORM);
    const here = () => void f.get(l.rowOffset);
    const rows32 = float32Columns(f, grid, width);
    eachChunk(f, l, { firstRow, endRow, chunkRows }, () => {
      f.get(l.chunkEnd).i32(1).op(I32.sub).get(l.rowBytes).op(I32.mul).set(l.sourceOffset);
      f.get(l.sourceOffset).set(l.rowOffset);
      f.ifThen(
        () => void f.get(l.chunkEnd, height).op(I32.eq),
        // d[n−1] = ((z·c[n−2] + c[n−1])·z) / (z² − 1), as columnsAnticausal
        () =>
          l.eachColumn(({ load, store }) =>
            store(here, () => {
              f.get(l.pole);
              load(() => void f.get(l.rowOffset, l.rowBytes).op(I32.sub));
              f.op(F64X2.mul);
              load(here);
              f.op(F64X2.add).get(l.pole).op(F64X2.mul).get(anticausalNorm).op(F64X2.div);
            }),
          ),
        // d[e−1] = z·(0 − c[e−1])
        () =>
          l.eachColumn(({ load, store }) =>
            store(here, () => {
              f.get(l.pole, l.zero);
              load(here);
              f.op(F64X2.sub, F64X2.mul);
            }),
          ),
      );
      // d[y] = z·(d[y+1] − c[y]) for y = e − 2 down to the chunk's first row, in float32 lanes (as
      // blockColumnsCausal; the pass is memory-bound then: 3.7 ms against 5.0 on two threads, 4096²)
      f.forLoop(
        l.k,
        () => void f.get(l.rowBytes),
        () => void f.get(l.chunkEnd, l.chunk).op(I32.sub).get(l.rowBytes).op(I32.mul),
        () => void f.get(l.rowBytes),
        () => {
          f.get(l.sourceOffset, l.k).op(I32.sub).set(l.rowOffset);
          rows32.sweep(l.rowOffset, (load) => {
            f.get(rows32.pole);
            load(() => void f.get(l.rowOffset, l.rowBytes).op(I32.add));
            load(here);
            f.op(F32X4.sub, F32X4.mul);
          });
        },
      );
    });
  }

  {
    const f = mb.func('reg_prefilterAnticausalCarry_f32', [I, I, I, I, I, I, I]);
    const [grid, width, height, firstRow, endRow, chunkRows, terms] = f.params;
    const l = chunkLocals(f, grid, width);
    eachChunk(f, l, { firstRow, endRow, chunkRows }, () =>
      f.ifThen(
        () => void f.get(l.chunkEnd, height).op(I32.ltS),
        () => carry(f, l.eachColumn, l.chunkEnd, false, terms, l),
      ),
    );
  }
}

type ColumnWalk = (body: (access: ColumnAccess) => void) => void;

/** The locals of the chunked column kernels (prefilterChunkedColumns), with a walker over whole rows. */
function chunkLocals(f: Func, grid: Local, width: Local) {
  const l = {
    ...f.named(I, 'chunk', 'chunkEnd', 'source', 'k', 'rowBytes', 'rowOffset', 'sourceOffset'),
    ...f.named(V, 'zPower'),
    pole: f64x2Constant(f, POLE),
    zero: f64x2Constant(f, 0),
    one: f64x2Constant(f, 1),
  };
  f.get(width).i32(elementShift('f32')).op(I32.shl).set(l.rowBytes);
  return { ...l, eachColumn: wholeRows(f, grid, width) };
}

type ChunkLocals = ReturnType<typeof chunkLocals>;

/**
 * scipy's "mirror" (half-sample symmetric) index of a tap outside [0, n): j = i mod (2n − 2), folded
 * back as 2n − 2 − j when j ≥ n; 0 when n ≤ 1.
 */
function mirrorFunction(mb: ModuleBuilder): Func {
  const f = mb.func(null, [I, I], [I]);
  const [i, n] = f.params;
  const [period, j] = f.locals(I, 2);
  f.ifThen(
    () => void f.get(n).i32(1).op(I32.leS),
    () => void f.i32(0).op(Op.return),
  );
  f.get(n).i32(1).op(I32.shl).i32(2).op(I32.sub).set(period);
  f.get(i, period).op(I32.remS).set(j);
  f.ifThen(
    () => void f.get(j).i32(0).op(I32.ltS),
    () => void f.get(j, period).op(I32.add).set(j),
  );
  f.ifThen(
    () => void f.get(j, n).op(I32.geS),
    () => void f.get(period, j).op(I32.sub).set(j),
  );
  f.get(j);
  return f;
}

/**
 * The resampler's locals, declared in this order. Vectors named …XY carry x in lane 0 and y in lane 1.
 */
function resamplerLocals(f: Func, mirror: Func, bspline: boolean, element: GridElement, out32: boolean) {
  return {
    f,
    mirror,
    bspline,
    element,
    out32,
    // the parameter block's (a, c), (b, d), offset, last grid index (and that − 1); the row's (b·qy, d·qy);
    // the pixel's point in the grid, its floor and their difference; a vector for intermediate values
    // (s = 1 − t, Keys' s, the truncated floor, the pixel's sum)
    ...f.named(V, 'matrixAC', 'matrixBD', 'offsetXY', 'maxXY', 'maxXYMinus1', 'rowTermXY', 'pointXY'),
    ...f.named(V, 'floorXY', 'fractionXY', 'scratch'),
    /** The 4 taps' weights (x in lane 0, y in lane 1), then regrouped per axis. */
    weightXY: f.locals(V, 4),
    ...f.named(V, 'weightsX01', 'weightsX23', 'weightsY01', 'weightsY23'),
    /** Sums of tap rows 0, 1 and rows 2, 3, paired by the shuffles; x² and x³ of a weight polynomial. */
    ...f.named(V, 'rows01', 'rows23', 'square', 'cube'),
    /** Taps 0–1 (left) and 2–3 (right) of each of the 4 tap rows; left then holds the row's sum. */
    tapsLeft: f.locals(V, 4),
    tapsRight: f.locals(V, 4),
    ...f.named(F, 'qy', 'qOriginX', 'qOriginY', 'missing', 'clipLo', 'clipHi', 'value', 'sum'),
    ...f.named(I, 'grid', 'gridWidth', 'gridHeight', 'mask', 'maskRows', 'holeRows', 'interiorCols'),
    ...f.named(I, 'out', 'outputWidth', 'row', 'col', 'floorX', 'floorY', 'address', 'rowBytes'),
    // the column and row after floorX / floorY, clamped into the grid
    ...f.named(I, 'nextX', 'nextY', 'outAddress'),
    // 0 where the point's 2×2 footprint has a missing pixel; nonzero where the output row may reach a
    // mask row with a missing pixel; the row's interior columns
    ...f.named(I, 'footprintValid', 'rowMayReachHole', 'interiorStart', 'interiorEnd'),
    /** The mirrored tap columns, and the byte offsets of the mirrored tap rows. */
    tapColumn: f.locals(I, 4),
    tapRowOffset: f.locals(I, 4),
    zero: f64x2Constant(f, 0),
    one: f64x2Constant(f, 1),
    two: f64x2Constant(f, 2),
    sixth: f64x2Constant(f, 1 / 6),
    half: f64x2Constant(f, 0.5),
    twoThirds: f64x2Constant(f, 2 / 3),
    four: f64x2Constant(f, 4),
    minusHalf: f64x2Constant(f, -0.5),
    twoAndHalf: f64x2Constant(f, 2.5),
    oneAndHalf: f64x2Constant(f, 1.5),
  };
}

type Resampler = ReturnType<typeof resamplerLocals>;

/**
 * The 4×4-tap resampler over output rows [r0, r1), for the cubic B-spline (prefiltered grid) or Keys
 * cubic convolution, writing float32 or float64. Per output pixel, lane 0 carries x and lane 1 y through
 * the coordinate, the bounds tests, the floor and the weight polynomials; then each tap row is two
 * f64x2 loads, (wx0, wx1)·(g0, g1) + (wx2, wx3)·(g2, g3), and the four rows are weighted by wy in pairs.
 */
function resample(
  mb: ModuleBuilder,
  mirror: Func,
  bspline: boolean,
  element: GridElement,
  out32: boolean,
): void {
  const f = mb.func(resampleKernelName(bspline ? 'spline3' : 'cubic-conv', element, out32), [I, I, I]);
  const [params, firstRow, endRow] = f.params;
  const r = resamplerLocals(f, mirror, bspline, element, out32);
  loadResampleParams(r, params);
  const fastRun = element === 'f32' ? quadRun(r, quadLocals(r)) : pairRun(r, pairLocals(r));
  f.forLoop(
    r.row,
    () => void f.get(firstRow),
    () => void f.get(endRow),
    () => void f.i32(1),
    () => resampleRow(r, fastRun),
  );
}

function loadResampleParams(r: Resampler, params: Local): void {
  const { f } = r;
  const vector = (slot: number, l: Local) =>
    void f
      .get(params)
      .mem(V128.load, slot * 8)
      .set(l);
  const float = (slot: number, l: Local) =>
    void f
      .get(params)
      .mem(F64.load, slot * 8)
      .set(l);
  const int = (slot: number, l: Local) =>
    void f
      .get(params)
      .mem(F64.load, slot * 8)
      .op(I32.truncF64S)
      .set(l);
  vector(Slot.matrixAC, r.matrixAC);
  vector(Slot.matrixBD, r.matrixBD);
  vector(Slot.offset, r.offsetXY);
  vector(Slot.max, r.maxXY);
  f.get(r.maxXY, r.one).op(F64X2.sub).set(r.maxXYMinus1);
  float(Slot.qOriginX, r.qOriginX);
  float(Slot.qOriginY, r.qOriginY);
  float(Slot.missing, r.missing);
  float(Slot.clipLo, r.clipLo);
  float(Slot.clipHi, r.clipHi);
  int(Slot.gridAt, r.grid);
  int(Slot.gridWidth, r.gridWidth);
  int(Slot.gridHeight, r.gridHeight);
  int(Slot.maskAt, r.mask);
  int(Slot.outAt, r.out);
  int(Slot.outputWidth, r.outputWidth);
  int(Slot.maskRowsAt, r.maskRows);
  int(Slot.holeRowsAt, r.holeRows);
  int(Slot.interiorColsAt, r.interiorCols);
  f.get(r.gridWidth).i32(elementShift(r.element)).op(I32.shl).set(r.rowBytes);
}

/**
 * One output row: its y term, address and hole flag, then its border, interior and border columns.
 * An interior run of a row that cannot reach a hole goes through `fastRun` (several pixels a step).
 */
function resampleRow(r: Resampler, fastRun: () => void): void {
  const { f, row } = r;
  f.get(row).op(F64.convertI32S).get(r.qOriginY).op(F64.add).set(r.qy);
  f.get(r.qy).op(F64X2.splat).get(r.matrixBD).op(F64X2.mul).set(r.rowTermXY);
  f.get(r.out, row, r.outputWidth)
    .op(I32.mul)
    .i32(r.out32 ? 2 : 3)
    .op(I32.shl, I32.add)
    .set(r.outAddress);
  f.i32(0).set(r.rowMayReachHole);
  f.ifThen(
    () => void f.get(r.mask),
    () => void f.get(r.holeRows, row).op(I32.add).mem(I32.load8U).set(r.rowMayReachHole),
  );
  // [0, start) and [end, outputWidth) may reach the border or beyond; [start, end) is interior.
  f.get(r.interiorCols, row).i32(3).op(I32.shl, I32.add).tee(r.address).mem(I32.load).set(r.interiorStart);
  f.get(r.address).mem(I32.load, 4).set(r.interiorEnd);
  const run = (from: Expr, to: Expr, interior: boolean) =>
    void f.forLoop(
      r.col,
      from,
      to,
      () => void f.i32(1),
      () => resamplePixel(r, interior),
    );
  run(
    () => void f.i32(0),
    () => void f.get(r.interiorStart),
    false,
  );
  f.ifThen(
    () => void f.get(r.rowMayReachHole),
    () =>
      run(
        () => void f.get(r.interiorStart),
        () => void f.get(r.interiorEnd),
        true,
      ),
    fastRun,
  );
  run(
    () => void f.get(r.interiorEnd),
    () => void f.get(r.outputWidth),
    false,
  );
}

/**
 * While `col + last < interiorEnd`: `step`, col += last + 1, then `next` (the loop leaves col at the
 * first pixel not done).
 */
function stepWhile(r: Resampler, last: number, step: () => void, next?: () => void): void {
  const { f } = r;
  f.whileLoop(
    () => {
      f.get(r.col);
      if (last > 0) f.i32(last).op(I32.add);
      f.get(r.interiorEnd).op(I32.ltS);
    },
    () => {
      step();
      f.get(r.col)
        .i32(last + 1)
        .op(I32.add)
        .set(r.col);
      next?.();
    },
  );
}

/** A float32 grid's interior run: pairs of quads, then quads, then the last one to three pixels alone. */
function quadRun(r: Resampler, quads: ReturnType<typeof quadLocals>): () => void {
  const { f } = r;
  // q of the next quad: 4 more than q of `from`
  const nextQs = (from: QuadLocals) => () => {
    f.get(from.q01, quads.four).op(F64X2.add).set(quads.q01);
    f.get(from.q23, quads.four).op(F64X2.add).set(quads.q23);
  };
  return () => {
    rowTermsPerAxis(r, quads);
    f.get(r.interiorStart).set(r.col);
    firstQuadColumns(r, quads);
    stepWhile(r, 7, () => resamplePixelQuadPair(r, quads, quads.second), nextQs(quads.second));
    stepWhile(r, 3, () => resamplePixelQuad(r, quads), nextQs(quads));
    stepWhile(r, 0, () => resamplePixel(r, true));
  };
}

/**
 * The locals of resamplePixelPair (a float64 grid's kernels): the row's constants in both lanes, and
 * the pair's vectors, whose lanes are its two pixels.
 */
function pairLocals(r: Resampler) {
  const { f } = r;
  const pair = {
    ...f.named(V, 'a', 'c', 'offsetX', 'offsetY', 'rowTermX', 'rowTermY', 'qOrigin', 'clipLo', 'clipHi'),
    ...f.named(V, 'q', 'x', 'y', 'floorX', 'floorY', 'fractionX', 'fractionY', 'floors', 'sum'),
    /** The 4 taps' x and y weights (lanes = pixels). */
    weightsX: f.locals(V, 4),
    weightsY: f.locals(V, 4),
    /** Tap row k's x-weighted sum (lanes = pixels). */
    rows: f.locals(V, 4),
    /** The first pixel's floors; the address of its tap (−1, −1). */
    ...f.named(I, 'firstX', 'firstY', 'address'),
  };
  mapPerAxis(r, pair);
  f.get(r.clipLo).op(F64X2.splat).set(pair.clipLo);
  f.get(r.clipHi).op(F64X2.splat).set(pair.clipHi);
  return pair;
}

type PairLocals = ReturnType<typeof pairLocals>;

/**
 * A float64 grid's interior run: pairs of pixels, then the last one alone. (Two pairs a step, each
 * phase of the first then of the second, as the float32 grid's quads go, were slower: 163–167 ms
 * against 133 for 171 Å on one thread.)
 */
function pairRun(r: Resampler, pair: PairLocals): () => void {
  const { f } = r;
  return () => {
    rowTermsPerAxis(r, pair);
    f.get(r.interiorStart).set(r.col);
    stepWhile(r, 1, () => resamplePixelPair(r, pair));
    stepWhile(r, 0, () => resamplePixel(r, true));
  };
}

/**
 * Interior output pixels col and col + 1 of a row that cannot reach a hole, on a float64 grid, with the
 * pixels in the lanes: every value as resamplePixel makes it, by the same operations in the same
 * order (so the same bits), but two at once and with no shuffles. Their floors are nearly always
 * (firstX, firstY) and (firstX + 1, firstY), so that tap (j, k) of both is one load; where they are
 * not, each pixel goes alone.
 */
function resamplePixelPair(r: Resampler, p: PairLocals): void {
  const { f } = r;
  pairPoints(r, p);
  f.ifThen(
    () => pairContiguous(r, p),
    () => {
      f.get(p.floors).lane(I32X4.extractLane, 0).set(p.firstX);
      f.get(p.floors).lane(I32X4.extractLane, 2).set(p.firstY);
      pointWeights(r, p.fractionX, p.weightsX);
      pointWeights(r, p.fractionY, p.weightsY);
      pairTaps(r, p);
      pairStore(r, p);
    },
    () => {
      resamplePixel(r, true);
      f.get(r.col).i32(1).op(I32.add).set(r.col);
      resamplePixel(r, true);
      f.get(r.col).i32(1).op(I32.sub).set(r.col);
    },
  );
}

/** q = (col, col + 1) + the q origin; x = (q·a + b·qy) + ox, y = (q·c + d·qy) + oy; floors, fractions. */
function pairPoints(r: Resampler, p: PairLocals): void {
  const { f } = r;
  f.get(r.col).op(I32X4.splat).i32x4([0, 1, 0, 0]).op(I32X4.add, F64X2.convertLowI32x4S);
  f.get(p.qOrigin).op(F64X2.add).set(p.q);
  for (const [m, rowTerm, offset, point, floor, fraction] of [
    [p.a, p.rowTermX, p.offsetX, p.x, p.floorX, p.fractionX],
    [p.c, p.rowTermY, p.offsetY, p.y, p.floorY, p.fractionY],
  ] as const) {
    f.get(p.q, m).op(F64X2.mul).get(rowTerm).op(F64X2.add).get(offset).op(F64X2.add).tee(point);
    f.op(F64X2.floor).tee(floor);
    f.get(point, floor).op(F64X2.sub).set(fraction);
  }
}

/** Pushes 1 where the pair's floors, (x0, x1, y0, y1) as integers, are (x0, x0 + 1, y0, y0), else 0. */
function pairContiguous(r: Resampler, p: PairLocals): void {
  const { f } = r;
  f.get(p.floorX).op(I32X4.truncSatF64x2SZero).get(p.floorY).op(I32X4.truncSatF64x2SZero);
  f.shuffleLanes(4, [0, 1, 4, 5]).tee(p.floors);
  f.get(p.floors, p.floors).shuffleLanes(4, [0, 0, 2, 2]).op(I32X4.sub).i32x4([0, 1, 0, 0]);
  f.op(I32X4.eq, I32X4.allTrue);
}

/**
 * sum = (wy0·row0 + wy2·row2) + (wy1·row1 + wy3·row3), row k = (wx0·t0 + wx2·t2) + (wx1·t1 + wx3·t3)
 * for the taps t_j of tap row k (lanes = pixels): the order of interpolate's shuffled pairs.
 */
function pairTaps(r: Resampler, p: PairLocals): void {
  const { f } = r;
  const { address } = p;
  f.get(r.grid, p.firstY).i32(1).op(I32.sub).get(r.gridWidth).op(I32.mul).get(p.firstX).op(I32.add).i32(1);
  f.op(I32.sub).i32(3).op(I32.shl, I32.add).set(address);
  const weighted = (weights: Local[], j: number, value: () => void) => {
    f.get(weights[j]);
    value();
    f.op(F64X2.mul);
  };
  const combine = (weights: Local[], value: (j: number) => () => void) => {
    weighted(weights, 0, value(0));
    weighted(weights, 2, value(2));
    f.op(F64X2.add);
    weighted(weights, 1, value(1));
    weighted(weights, 3, value(3));
    f.op(F64X2.add, F64X2.add);
  };
  for (let k = 0; k < 4; k++) {
    combine(p.weightsX, (j) => () => void f.get(address).mem(V128.load, 8 * j, 3));
    f.set(p.rows[k]);
    if (k < 3) f.get(address, r.rowBytes).op(I32.add).set(address);
  }
  combine(p.weightsY, (k) => () => void f.get(p.rows[k]));
  f.set(p.sum);
}

/**
 * The pair's sums clipped as interpolate clips them (sum < lo ? lo : sum > hi ? hi : sum, NaN kept),
 * stored, and the output address moved on.
 */
function pairStore(r: Resampler, p: PairLocals): void {
  const { f } = r;
  f.get(r.outAddress, p.clipLo, p.sum, p.clipHi).op(F64X2.pmin);
  f.get(p.sum, p.clipLo).op(F64X2.lt, V128.bitselect);
  if (r.out32) f.op(F32X4.demoteF64x2Zero).memLane(V128.store64Lane, 0);
  else f.mem(V128.store, 0, 3);
  f.get(r.outAddress)
    .i32(r.out32 ? 8 : 16)
    .op(I32.add)
    .set(r.outAddress);
}

/** The locals of resamplePixelQuad (a float32 grid's kernels only; a float64 grid's have pairLocals). */
function quadLocals(r: Resampler) {
  const { f } = r;
  const constant = (x: number) => {
    const l = f.local(V);
    f.f32(x).op(F32X4.splat).set(l);
    return l;
  };

  const quad = {
    // lanes = the four pixels: their grid points' fractions and integer floors (x, then y)
    ...f.named(V, 'fractionX', 'fractionY', 'floorX', 'floorY', 'square', 'cube', 'scratch'),
    // (x, y) of pixels 0–1 and 2–3 in float64: their q, x, y, floors; the row's y terms (b·qy, d·qy)
    ...f.named(V, 'q01', 'q23', 'x01', 'y01', 'x23', 'y23', 'floorX01', 'floorY01', 'floorX23', 'floorY23'),
    ...f.named(V, 'rowTermX', 'rowTermY', 'clipLo', 'clipHi'),
    /** The 4 taps' x and y weights (lanes = pixels). */
    weightsX: f.locals(V, 4),
    weightsY: f.locals(V, 4),
    /** Each pixel's 4 tap rows weighted by their y weights (lanes = tap columns), then transposed. */
    columns: f.locals(V, 4),
    transposed: f.locals(V, 4),
    /** Each tap column's y-weighted sum (lanes = pixels). */
    sums: f.locals(V, 4),
    /** Each pixel's first tap (byte address). */
    address: f.locals(I, 4),
    /** Pixel 0's floors. */
    ...f.named(I, 'firstX', 'firstY'),
    a: f.local(V),
    c: f.local(V),
    offsetX: f.local(V),
    offsetY: f.local(V),
    qOrigin: f.local(V),
    width: f.local(V),
    /** grid − 4·(gridWidth + 1): the byte address of tap (−1, −1) of grid point (0, 0). */
    tapOrigin: f.local(V),
    four: f64x2Constant(f, 4),
    one: constant(1),
    sixth: constant(1 / 6),
    half: constant(0.5),
    twoThirds: constant(2 / 3),
    minusHalf: constant(-0.5),
    twoAndHalf: constant(2.5),
    oneAndHalf: constant(1.5),
  };
  mapPerAxis(r, quad);
  f.get(r.gridWidth).op(I32X4.splat).set(quad.width);
  f.get(r.grid, r.gridWidth).i32(1).op(I32.add).i32(2).op(I32.shl, I32.sub, I32X4.splat).set(quad.tapOrigin);
  f.get(r.clipLo).op(F32.demoteF64, F32X4.splat).set(quad.clipLo);
  f.get(r.clipHi).op(F32.demoteF64, F32X4.splat).set(quad.clipHi);
  // the second quad of resamplePixelQuadPair: its own q and what its phases hand on
  const second = {
    ...quad,
    ...f.named(V, 'q01', 'q23', 'floorX', 'floorY'),
    weightsX: f.locals(V, 4),
    weightsY: f.locals(V, 4),
    sums: f.locals(V, 4),
    ...f.named(I, 'firstX', 'firstY'),
  };
  return { ...quad, second };
}

type QuadLocals = Omit<ReturnType<typeof quadLocals>, 'second'>;

/** Pushes float64 lane `lane` of `from` in both lanes into `into`. */
function splatLane64(f: Func, from: Local, lane: number, into: Local): void {
  f.get(from).lane(F64X2.extractLane, lane).op(F64X2.splat).set(into);
}

/** The map per axis, each value in both lanes (for steps with pixels in the lanes): a, c, offsets, q origin. */
function mapPerAxis(r: Resampler, into: Record<'a' | 'c' | 'offsetX' | 'offsetY' | 'qOrigin', Local>): void {
  splatLane64(r.f, r.matrixAC, 0, into.a);
  splatLane64(r.f, r.matrixAC, 1, into.c);
  splatLane64(r.f, r.offsetXY, 0, into.offsetX);
  splatLane64(r.f, r.offsetXY, 1, into.offsetY);
  r.f.get(r.qOriginX).op(F64X2.splat).set(into.qOrigin);
}

/** The row's y terms of the points, (b·qy) and (d·qy), each in both lanes. */
function rowTermsPerAxis(r: Resampler, into: Record<'rowTermX' | 'rowTermY', Local>): void {
  splatLane64(r.f, r.rowTermXY, 0, into.rowTermX);
  splatLane64(r.f, r.rowTermXY, 1, into.rowTermY);
}

/** (col, col + 1) and (col + 2, col + 3) as float64, plus the q origin, as resamplePixel adds it. */
function firstQuadColumns(r: Resampler, q: QuadLocals): void {
  const { f } = r;
  f.get(r.col).op(I32X4.splat).i32x4([0, 1, 2, 3]).op(I32X4.add).tee(r.scratch);
  f.op(F64X2.convertLowI32x4S).get(q.qOrigin).op(F64X2.add).set(q.q01);
  f.get(r.scratch, r.scratch).shuffleLanes(4, [2, 3, 2, 3]);
  f.op(F64X2.convertLowI32x4S).get(q.qOrigin).op(F64X2.add).set(q.q23);
}

/**
 * Interior output pixels col … col + 3 of a row that cannot reach a hole, on a float32 grid, with the
 * four pixels in the lanes: their points in float64 (each as resamplePixel forms it, two per vector;
 * q01 and q23 hold their q, integers, which the row loop steps by 4 exactly), the floors, the fractions
 * rounded to float32, the weight polynomials once for all four; then each tap column's y-weighted sum
 * (contiguousQuad or scatteredQuad, the same sums in the same order) weighted by the x weights,
 * clipped (float32 rounding is monotonic: clipping before or after it gives the same value) and
 * stored as one vector.
 */
function resamplePixelQuad(r: Resampler, q: QuadLocals): void {
  quadPoints(r, q);
  quadTaps(r, q);
  quadStore(r, q, 0);
  r.f.get(r.outAddress).i32(16).op(I32.add).set(r.outAddress);
}

/**
 * Two quads, col … col + 7, each phase of the first then of the second (its own locals for what a
 * phase hands to the next): one quad's work is a long chain from the points to the store, which the
 * core overlaps with the other's.
 */
function resamplePixelQuadPair(r: Resampler, q: QuadLocals, second: QuadLocals): void {
  const { f } = r;
  for (const [from, into] of [
    [q.q01, second.q01],
    [q.q23, second.q23],
  ])
    f.get(from, q.four).op(F64X2.add).set(into);
  quadPoints(r, q);
  quadPoints(r, second);
  quadTaps(r, q);
  quadTaps(r, second);
  quadStore(r, q, 0);
  quadStore(r, second, 16);
  f.get(r.outAddress).i32(32).op(I32.add).set(r.outAddress);
}

/** A quad's points, floors, fractions and weights (resamplePixelQuad's first phase). */
function quadPoints(r: Resampler, q: QuadLocals): void {
  const { f } = r;
  // x = (q·a + b·qy) + ox, y = (q·c + d·qy) + oy; their floors
  for (const [qs, x, y, floorX, floorY] of [
    [q.q01, q.x01, q.y01, q.floorX01, q.floorY01],
    [q.q23, q.x23, q.y23, q.floorX23, q.floorY23],
  ] as const) {
    f.get(qs, q.a).op(F64X2.mul).get(q.rowTermX).op(F64X2.add).get(q.offsetX).op(F64X2.add).tee(x);
    f.op(F64X2.floor).set(floorX);
    f.get(qs, q.c).op(F64X2.mul).get(q.rowTermY).op(F64X2.add).get(q.offsetY).op(F64X2.add).tee(y);
    f.op(F64X2.floor).set(floorY);
  }
  const fourLanes = (from01: Expr, from23: Expr, into: Local) => {
    from01();
    from23();
    f.shuffleLanes(4, [0, 1, 4, 5]).set(into);
  };
  const fraction = (point: Local, floor: Local) =>
    void f.get(point, floor).op(F64X2.sub, F32X4.demoteF64x2Zero);
  fourLanes(
    () => fraction(q.x01, q.floorX01),
    () => fraction(q.x23, q.floorX23),
    q.fractionX,
  );
  fourLanes(
    () => fraction(q.y01, q.floorY01),
    () => fraction(q.y23, q.floorY23),
    q.fractionY,
  );
  const truncated = (floor: Local) => void f.get(floor).op(I32X4.truncSatF64x2SZero);
  fourLanes(
    () => truncated(q.floorX01),
    () => truncated(q.floorX23),
    q.floorX,
  );
  fourLanes(
    () => truncated(q.floorY01),
    () => truncated(q.floorY23),
    q.floorY,
  );
  quadWeights(r, q, q.fractionX, q.weightsX);
  quadWeights(r, q, q.fractionY, q.weightsY);
  f.get(q.floorX).lane(I32X4.extractLane, 0).set(q.firstX);
  f.get(q.floorY).lane(I32X4.extractLane, 0).set(q.firstY);
}

/** A quad's y-weighted tap column sums (resamplePixelQuad's second phase). */
function quadTaps(r: Resampler, q: QuadLocals): void {
  const { f } = r;
  // contiguous unless the floors differ from (firstX + p, firstY) in some lane p
  f.ifThen(
    () => {
      f.get(q.firstX).op(I32X4.splat).i32x4([0, 1, 2, 3]).op(I32X4.add).get(q.floorX).op(V128.xor);
      f.get(q.firstY).op(I32X4.splat).get(q.floorY).op(V128.xor, V128.or, V128.anyTrue);
    },
    () => scatteredQuad(r, q),
    () => contiguousQuad(r, q),
  );
}

/** A quad's x-weighted sum, clipped, stored `offset` bytes after outAddress (the last phase). */
function quadStore(r: Resampler, q: QuadLocals, offset: number): void {
  const { f } = r;
  const [s0, s1, s2, s3] = q.sums;
  f.get(s0, q.weightsX[0]).op(F32X4.mul).get(s1, q.weightsX[1]).op(F32X4.mul, F32X4.add);
  f.get(s2, q.weightsX[2]).op(F32X4.mul).get(s3, q.weightsX[3]).op(F32X4.mul, F32X4.add, F32X4.add);
  f.get(q.clipLo).op(F32X4.pmax).get(q.clipHi).op(F32X4.pmin).set(q.scratch);
  f.get(r.outAddress, q.scratch).mem(V128.store, offset, 2);
}

/**
 * The usual quad of a map near the identity: the pixels' floors are (firstX + p, firstY), so their tap
 * (j, k) lies at column firstX − 1 + j + p of row firstY − 1 + k, and each tap is one f32x4 load with
 * the pixels in its lanes: sums[j] = ((t0j·wy0 + t1j·wy1) + t2j·wy2) + t3j·wy3, with no shuffles.
 */
function contiguousQuad(r: Resampler, q: QuadLocals): void {
  const { f } = r;
  const address = q.address[0];
  f.get(r.grid, q.firstY).i32(1).op(I32.sub).get(r.gridWidth).op(I32.mul).get(q.firstX).op(I32.add);
  f.i32(1).op(I32.sub).i32(2).op(I32.shl, I32.add).set(address);
  for (let k = 0; k < 4; k++) {
    for (let j = 0; j < 4; j++) {
      if (k > 0) f.get(q.sums[j]);
      f.get(address)
        .mem(V128.load, 4 * j, 2)
        .get(q.weightsY[k])
        .op(F32X4.mul);
      if (k > 0) f.op(F32X4.add);
      f.set(q.sums[j]);
    }
    if (k < 3) f.get(address, r.rowBytes).op(I32.add).set(address);
  }
}

/**
 * Any quad: per pixel its four f32x4 tap rows (lanes = tap columns) at its own address, each scaled
 * by its y weight and summed, then transposed into sums (lanes = pixels).
 */
function scatteredQuad(r: Resampler, q: QuadLocals): void {
  const { f } = r;
  // tap (−1, −1) of each pixel: tapOrigin + 4·(floorY·w + floorX)
  f.get(q.floorY, q.width).op(I32X4.mul).get(q.floorX).op(I32X4.add).i32(2).op(I32X4.shl);
  f.get(q.tapOrigin).op(I32X4.add).tee(r.scratch);
  for (let p = 0; p < 4; p++) {
    if (p > 0) f.get(r.scratch);
    f.lane(I32X4.extractLane, p).set(q.address[p]);
  }
  for (let p = 0; p < 4; p++) {
    const address = q.address[p];
    for (let k = 0; k < 4; k++) {
      f.get(address).mem(V128.load, 0, 2);
      f.get(q.weightsY[k], q.weightsY[k]).shuffleLanes(4, [p, p, p, p]);
      f.op(F32X4.mul);
      if (k > 0) f.op(F32X4.add);
      if (k < 3) f.get(address, r.rowBytes).op(I32.add).set(address);
    }
    f.set(q.columns[p]);
  }
  // columns[p] lane j = pixel p's tap column j: transposed, transposed[j] lane p
  const [c0, c1, c2, c3] = q.columns;
  const [t0, t1, t2, t3] = q.transposed;
  f.get(c0, c1).shuffleLanes(4, [0, 4, 1, 5]).set(t0);
  f.get(c2, c3).shuffleLanes(4, [0, 4, 1, 5]).set(t1);
  f.get(c0, c1).shuffleLanes(4, [2, 6, 3, 7]).set(t2);
  f.get(c2, c3).shuffleLanes(4, [2, 6, 3, 7]).set(t3);
  f.get(t0, t1).shuffleLanes(4, [0, 1, 4, 5]).set(q.sums[0]);
  f.get(t0, t1).shuffleLanes(4, [2, 3, 6, 7]).set(q.sums[1]);
  f.get(t2, t3).shuffleLanes(4, [0, 1, 4, 5]).set(q.sums[2]);
  f.get(t2, t3).shuffleLanes(4, [2, 3, 6, 7]).set(q.sums[3]);
}

/** The interpolation's 4 weights of the fractions `t` (lanes = pixels), float32. */
function quadWeights(r: Resampler, q: QuadLocals, t: Local, weights: Local[]): void {
  if (r.bspline) bsplinePolynomials(r.f, F32X4, { ...q, fraction: t, weights });
  else quadKeysWeights(r.f, q, t, weights);
}

/**
 * Keys' weights (a = −0.5) in float32 lanes, with s = 1 − t: the far ones as −t·s²/2 and −t²·s/2
 * (keysWeights' cubic in 1 + t and 2 − t, factored: no cancellation, which in float32 would cost
 * 1e−6 of the image maximum), the near ones as ((1.5·x − 2.5)·x)·x + 1, x = t, s.
 */
function quadKeysWeights(f: Func, q: QuadLocals, t: Local, weights: Local[]): void {
  const s = q.scratch;
  const near = (x: Local) => {
    f.get(q.oneAndHalf, x).op(F32X4.mul).get(q.twoAndHalf).op(F32X4.sub).get(x).op(F32X4.mul);
    f.get(x).op(F32X4.mul).get(q.one).op(F32X4.add);
  };
  f.get(q.one, t).op(F32X4.sub).set(s);
  f.get(q.minusHalf, t).op(F32X4.mul).get(s).op(F32X4.mul).get(s).op(F32X4.mul).set(weights[0]);
  near(t);
  f.set(weights[1]);
  near(s);
  f.set(weights[2]);
  f.get(q.minusHalf, t).op(F32X4.mul).get(t).op(F32X4.mul).get(s).op(F32X4.mul).set(weights[3]);
}
/**
 * One output pixel at column `col` of the row, written at `outAddress`: `missing` unless its point is
 * inside the grid and its footprint has no missing pixel. An interior one (its point's 16 taps all
 * inside the grid, as the row's table says) skips both bounds tests.
 */
function resamplePixel(r: Resampler, interior: boolean): void {
  const { f } = r;
  f.get(r.col).op(F64.convertI32S).get(r.qOriginX).op(F64.add, F64X2.splat).get(r.matrixAC);
  f.op(F64X2.mul).get(r.rowTermXY).op(F64X2.add).get(r.offsetXY).op(F64X2.add).set(r.pointXY);
  f.get(r.missing).set(r.value);
  const inside = () => {
    f.get(r.pointXY).op(F64X2.floor).tee(r.floorXY);
    f.op(I32X4.truncSatF64x2SZero).tee(r.scratch).lane(I32X4.extractLane, 0).set(r.floorX);
    f.get(r.scratch).lane(I32X4.extractLane, 1).set(r.floorY);
    f.i32(1).set(r.footprintValid);
    // Only output rows that may reach a grid row with a missing pixel test the footprint, and
    // there only where row floorY or floorY + 1 has one (floorY + 1 ≤ h, and the flag of row h is 0).
    f.ifThen(
      () => void f.get(r.rowMayReachHole),
      () =>
        void f.ifThen(
          () => {
            f.get(r.maskRows, r.floorY).op(I32.add).tee(r.address).mem(I32.load8U);
            f.get(r.address).mem(I32.load8U, 1).op(I32.or);
          },
          () => testFootprint(r),
        ),
    );
    f.ifThen(
      () => void f.get(r.footprintValid),
      () => interpolate(r, interior),
    );
  };
  if (interior) inside();
  else
    f.ifThen(() => {
      f.get(r.pointXY, r.zero).op(F64X2.ge).get(r.pointXY, r.maxXY).op(F64X2.le, V128.and, I64X2.allTrue);
    }, inside);
  f.get(r.outAddress, r.value);
  if (r.out32) f.op(F32.demoteF64).mem(F32.store);
  else f.mem(F64.store);
  f.get(r.outAddress)
    .i32(r.out32 ? 4 : 8)
    .op(I32.add)
    .set(r.outAddress);
}

/** footprintValid = 0 where a pixel of the point's 2×2 footprint (clamped into the grid) is missing. */
function testFootprint(r: Resampler): void {
  const { f, floorX, floorY } = r;
  const clampedNext = (x: Local, n: Local, next: Local) =>
    void f.get(x).i32(1).op(I32.add).get(x, x).i32(1).op(I32.add).get(n).op(I32.ltS, Op.select).set(next);
  clampedNext(floorX, r.gridWidth, r.nextX);
  clampedNext(floorY, r.gridHeight, r.nextY);
  const maskAt = (y: Local, x: Local) =>
    void f.get(r.mask, y, r.gridWidth).op(I32.mul).get(x).op(I32.add, I32.add).mem(I32.load8U);
  maskAt(floorY, floorX);
  maskAt(floorY, r.nextX);
  f.op(I32.or);
  maskAt(r.nextY, floorX);
  f.op(I32.or);
  maskAt(r.nextY, r.nextX);
  f.op(I32.or, I32.eqz).set(r.footprintValid);
}

/** value = the 16 taps weighted, clipped to [clipLo, clipHi]. */
function interpolate(r: Resampler, interior: boolean): void {
  const { f, weightXY, tapsLeft, tapsRight } = r;
  f.get(r.pointXY, r.floorXY).op(F64X2.sub).set(r.fractionXY);
  pointWeights(r, r.fractionXY, r.weightXY);
  shuffle64(f, weightXY[0], weightXY[1], [0, 2]);
  f.set(r.weightsX01);
  shuffle64(f, weightXY[2], weightXY[3], [0, 2]);
  f.set(r.weightsX23);
  shuffle64(f, weightXY[0], weightXY[1], [1, 3]);
  f.set(r.weightsY01);
  shuffle64(f, weightXY[2], weightXY[3], [1, 3]);
  f.set(r.weightsY23);
  if (interior) contiguousTaps(r);
  else
    f.ifThen(
      () => {
        f.get(r.pointXY, r.one).op(F64X2.ge).get(r.pointXY, r.maxXYMinus1);
        f.op(F64X2.lt, V128.and, I64X2.allTrue);
      },
      () => contiguousTaps(r),
      () => mirroredTaps(r),
    );
  for (let k = 0; k < 4; k++) {
    f.get(r.weightsX01, tapsLeft[k]).op(F64X2.mul).get(r.weightsX23, tapsRight[k]);
    f.op(F64X2.mul, F64X2.add).set(tapsLeft[k]);
  }
  for (const [pair, a, b] of [
    [r.rows01, tapsLeft[0], tapsLeft[1]],
    [r.rows23, tapsLeft[2], tapsLeft[3]],
  ] as const) {
    shuffle64(f, a, b, [0, 2]);
    shuffle64(f, a, b, [1, 3]);
    f.op(F64X2.add).set(pair);
  }
  f.get(r.weightsY01, r.rows01).op(F64X2.mul).get(r.weightsY23, r.rows23);
  f.op(F64X2.mul, F64X2.add).tee(r.scratch);
  f.lane(F64X2.extractLane, 0).get(r.scratch).lane(F64X2.extractLane, 1).op(F64.add).set(r.sum);
  // sum < clipLo ? clipLo : sum > clipHi ? clipHi : sum
  f.get(r.clipLo, r.clipHi, r.sum, r.sum, r.clipHi).op(F64.gt, Op.select);
  f.get(r.sum, r.clipLo).op(F64.lt, Op.select).set(r.value);
}

/** The interpolation's 4 weights of the fractions `t` (float64 lanes) into `weights`. */
function pointWeights(r: Resampler, t: Local, weights: Local[]): void {
  if (r.bspline) bsplinePolynomials(r.f, F64X2, { ...r, fraction: t, weights });
  else keysWeights(r, t, weights);
}

/**
 * The cubic B-spline's weights of `fraction` into `weights`, in either float lanes (its constants in
 * them). At offset t of a point from its floor they are (1 − t)³/6, (3t³ − 6t² + 4)/6,
 * (3s³ − 6s² + 4)/6 with s = 1 − t, and t³/6, made from x² and x³ once per x (s and t): x³/6 (its far
 * weight) and x³/2 − x² + 2/3 (its near one), 8 multiplications and no division.
 */
function bsplinePolynomials(
  f: Func,
  lanes: FloatLanes,
  l: Record<'one' | 'sixth' | 'half' | 'twoThirds' | 'square' | 'cube' | 'scratch' | 'fraction', Local> & {
    weights: Local[];
  },
): void {
  const s = l.scratch;
  const farAndNear = (x: Local, far: Local, near: Local) => {
    f.get(x, x)
      .op(lanes.mul)
      .tee(l.square)
      .get(x)
      .op(lanes.mul)
      .tee(l.cube)
      .get(l.sixth)
      .op(lanes.mul)
      .set(far);
    f.get(l.cube, l.half).op(lanes.mul).get(l.square).op(lanes.sub).get(l.twoThirds).op(lanes.add).set(near);
  };
  f.get(l.one, l.fraction).op(lanes.sub).set(s);
  farAndNear(s, l.weights[0], l.weights[2]);
  farAndNear(l.fraction, l.weights[3], l.weights[1]);
}

/**
 * Keys, a = −0.5: ((−0.5·s + 2.5)·s − 4)·s + 2 for 1 ≤ s < 2, ((1.5·s − 2.5)·s)·s + 1 for s < 1, with
 * s = |tap − point|.
 */
function keysWeights(r: Resampler, t: Local, weights: Local[]): void {
  const { f } = r;
  const s = r.scratch;
  const far = (distance: Expr) => {
    distance();
    f.set(s).get(r.minusHalf, s).op(F64X2.mul).get(r.twoAndHalf).op(F64X2.add).get(s).op(F64X2.mul);
    f.get(r.four).op(F64X2.sub).get(s).op(F64X2.mul).get(r.two).op(F64X2.add);
  };
  const near = (distance: Expr) => {
    distance();
    f.set(s).get(r.oneAndHalf, s).op(F64X2.mul).get(r.twoAndHalf).op(F64X2.sub).get(s).op(F64X2.mul);
    f.get(s).op(F64X2.mul).get(r.one).op(F64X2.add);
  };
  far(() => void f.get(r.one, t).op(F64X2.add));
  f.set(weights[0]);
  near(() => void f.get(t));
  f.set(weights[1]);
  near(() => void f.get(r.one, t).op(F64X2.sub));
  f.set(weights[2]);
  far(() => void f.get(r.two, t).op(F64X2.sub));
  f.set(weights[3]);
}

/** The 16 taps: four rows of 4 contiguous samples from (floorX − 1, floorY − 1). */
function contiguousTaps(r: Resampler): void {
  const { f, address } = r;
  f.get(r.grid, r.floorY).i32(1).op(I32.sub).get(r.gridWidth).op(I32.mul).get(r.floorX).op(I32.add).i32(1);
  f.op(I32.sub).i32(elementShift(r.element)).op(I32.shl, I32.add).set(address);
  for (let k = 0; k < 4; k++) {
    if (r.element === 'f32') {
      f.get(address).mem(V128.load64Zero, 0, 2).op(F64X2.promoteLowF32x4).set(r.tapsLeft[k]);
      f.get(address).mem(V128.load64Zero, 8, 2).op(F64X2.promoteLowF32x4).set(r.tapsRight[k]);
    } else {
      f.get(address).mem(V128.load, 0, 3).set(r.tapsLeft[k]);
      f.get(address).mem(V128.load, 16, 3).set(r.tapsRight[k]);
    }
    if (k < 3) f.get(address, r.rowBytes).op(I32.add).set(address);
  }
}

/** The 16 taps near or past the border, each at its mirrored column and row. */
function mirroredTaps(r: Resampler): void {
  const { f, tapColumn, tapRowOffset } = r;
  for (let k = 0; k < 4; k++) {
    f.get(r.floorX)
      .i32(k - 1)
      .op(I32.add)
      .get(r.gridWidth)
      .call(r.mirror)
      .set(tapColumn[k]);
    f.get(r.floorY)
      .i32(k - 1)
      .op(I32.add)
      .get(r.gridHeight)
      .call(r.mirror)
      .get(r.gridWidth)
      .op(I32.mul)
      .set(tapRowOffset[k]);
  }
  const tapAddress = (k: number, column: number) =>
    void f
      .get(r.grid, tapRowOffset[k], tapColumn[column])
      .op(I32.add)
      .i32(elementShift(r.element))
      .op(I32.shl, I32.add);
  for (let k = 0; k < 4; k++) {
    for (const [taps, column] of [
      [r.tapsLeft[k], 0],
      [r.tapsRight[k], 2],
    ] as const) {
      tapAddress(k, column + 1);
      tapAddress(k, column);
      if (r.element === 'f32') f.mem(V128.load32Zero).memLane(V128.load32Lane, 1).op(F64X2.promoteLowF32x4);
      else f.mem(V128.load64Zero).memLane(V128.load64Lane, 1);
      f.set(taps);
    }
  }
}

/**
 * The resampling kernel of an interpolation on a grid of `element` samples writing float32 (out32) or
 * float64: `reg_resample_spline3_f32` reads a float64 grid and writes float32; a float32 grid's kernels
 * (float32 output only) end in `_f32grid`.
 */
export function resampleKernelName(
  interpolation: 'spline3' | 'cubic-conv',
  element: GridElement,
  out32: boolean,
): string {
  const kind = interpolation === 'spline3' ? 'spline3' : 'keys';
  return element === 'f32' ? `reg_resample_${kind}_f32grid` : `reg_resample_${kind}_${out32 ? 'f32' : 'f64'}`;
}

/** Adds the register kernels (exports `reg_*`) to the compute engine's module. */
export function addRegisterKernels(mb: ModuleBuilder): void {
  prefilterRows(mb, 'f64');
  prefilterColumns(mb, 'f64');
  const mirror = mirrorFunction(mb);
  for (const bspline of [true, false])
    for (const out32 of [true, false]) resample(mb, mirror, bspline, 'f64', out32);
  addRangeKernels(mb);
  // The float32 grid's kernels (default mode, float32 product) after the float64 ones, whose bodies
  // (and the mirror function's index) stay as they were.
  prefilterRows(mb, 'f32');
  prefilterColumns(mb, 'f32');
  for (const bspline of [true, false]) resample(mb, mirror, bspline, 'f32', true);
  addFloat32RangeKernels(mb);
  addClearKernel(mb);
  // The float32 grid's fused row and column prefilter (after the others, which stay as they were).
  prefilterRows(mb, 'f32', true);
  prefilterChunkedColumns(mb);
  addPlainLayoutKernel(mb);
}
