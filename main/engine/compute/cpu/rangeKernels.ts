/**
 * WebAssembly SIMD kernels that lay out and scan register's input grid (range, NaN count and list,
 * int16 scaling) and summarise its mask per row, generated with ./wasmBuilder.ts into the compute
 * engine's module with the other register kernels (./registerKernels.ts).
 */
import { Func, Local, ModuleBuilder, T } from './wasmBuilder.js';
import { F32, F32X4, F64, F64X2, I32, I32X4, I64, I64X2, Op, V128, type Opcode } from './wasmOpcodes.js';

const I = T.i32;
const F = T.f64;
const V = T.v128;

/**
 * The grid's sample type: float64, or float32 (the default mode's float32 products). Float32 samples
 * are read and written in pairs (8 bytes) and widened to float64 lanes for the arithmetic, so both
 * grids share every instruction between the load and the store.
 */
export type GridElement = 'f64' | 'f32';
/** log2 of a grid sample's bytes. */
export const elementShift = (element: GridElement): number => (element === 'f64' ? 3 : 2);

/** reg_layoutI16's parameters: rangeKernel's, after the int16 samples' address and pitch (below). */
const LAYOUT_PARAMS = [I, I, I, I, I, I, I, I, I, F, F, F, I, I, I, I];

/** rangeKernel's parameters and locals (declared in this order). */
function rangeScanLocals(f: Func, fromInt16: boolean, element: GridElement, quads: boolean) {
  const [src, srcPitch] = fromInt16 ? f.params : [];
  const [ptr, pitch, rowLen, rows, result, list, capacity] = fromInt16 ? f.params.slice(2) : f.params;
  const [scale, zero, divisor, blank, satFrom, satList, satCapacity] = fromInt16 ? f.params.slice(9) : [];
  const scaling = { scale, zero, divisor, blank, satFrom, satList, satCapacity };
  return {
    f,
    fromInt16,
    element,
    quads,
    /** Samples a step: float32 lanes take four. */
    step: quads ? 4 : 2,
    shift: elementShift(element),
    params: { src, srcPitch, ptr, pitch, rowLen, rows, result, list, capacity, ...scaling },
    // stepsEnd: the byte offset past the row's last whole step
    ...f.named(I, 'row', 'offset', 'rowBytes', 'stepsEnd', 'rowAddress', 'srcRowAddress'),
    // oddNaNs: the NaN count of the rows' odd last samples; raw: an int16 sample
    ...f.named(I, 'oddNaNs', 'oddNaNsAtRowStart', 'listed', 'sampleAddress', 'raw', 'divides'),
    // nanCounts: each lane's NaN count (i64; i32 in float32 lanes); ints: a step's int16 samples as
    // i32 lanes
    ...f.named(V, 'min', 'max', 'nanCounts', 'samples', 'nanCountsAtRowStart', 'ints'),
    // the int16 scaling's constants in both lanes
    ...f.named(V, 'scaleLanes', 'zeroLanes', 'divisorLanes', 'blankLanes', 'nanLanes'),
    ...f.named(F, 'lane0', 'lane1'),
    // the int16 layout's saturated samples: counts as for NaNs, the blank test's lanes, the threshold's
    saturation: fromInt16
      ? {
          ...f.named(I, 'oddSat', 'oddSatAtRowStart', 'satListed'),
          ...f.named(V, 'counts', 'countsAtRowStart', 'blanks', 'fromLanes'),
        }
      : undefined,
  };
}

type RangeScan = ReturnType<typeof rangeScanLocals>;

/**
 * Range and NaN count of `rows` rows of `rowLen` float64 values, `pitch` bytes apart: writes
 * (min, max, NaN count, NaNs listed) as f64 at `result`, and lists the first `capacity` NaN samples
 * (as byte address / 8, a u32 each) at `list`, so the hole filling need not scan the grid again.
 * min/max compare as `v < min` / `v > max` do, so NaN never enters them.
 *
 * `reg_range` reads the rows where they are; `reg_layoutI16` first makes them from int16 samples
 * (`srcPitch` bytes a row at `src`), as ../../fits/scaling.ts's toFloat64 does: (raw · scale + zero),
 * NaN where raw = blank (a blank outside int16 never matches), then divided by `divisor` unless it is 1
 * (x / 1 = x; the division cost a sixth of the pass).
 * It also counts the samples with blank ≠ raw ≥ `satFrom` (level 1 saturation, for the QA: no pass of
 * its own) and lists the first `satCapacity` of them at `satList` (as int16 byte address / 2), writing
 * (saturated count, saturated listed) after the four values above.
 *
 * `reg_layoutI16_f32_plain` is `reg_layoutI16_f32` for samples that are their values (scale 1, zero 0,
 * divisor 1: AIA level 1 as JSOC serves it): an int16 is a float32 exactly, so it makes four samples a
 * step in float32 lanes (the same values, bit for bit) where the others make two in float64 lanes.
 */
function rangeKernel(mb: ModuleBuilder, fromInt16: boolean, element: GridElement, quads = false): void {
  const suffix = element === 'f64' ? '' : '_f32';
  const f = fromInt16
    ? mb.func(`reg_layoutI16${suffix}${quads ? '_plain' : ''}`, LAYOUT_PARAMS)
    : mb.func(`reg_range${suffix}`, [I, I, I, I, I, I, I]);
  const s = rangeScanLocals(f, fromInt16, element, quads);
  const { ptr, pitch, rowLen, rows, src, srcPitch, scale, zero, divisor, blank } = s.params;
  const { row, rowBytes, stepsEnd, rowAddress, min, max } = s;
  const lanes = quads ? F32X4 : F64X2;
  if (quads) f.f32(Infinity).op(F32X4.splat).set(min).f32(-Infinity).op(F32X4.splat).set(max);
  else f.f64(Infinity).op(F64X2.splat).set(min).f64(-Infinity).op(F64X2.splat).set(max);
  if (fromInt16) {
    if (!quads) {
      f.get(scale).op(F64X2.splat).set(s.scaleLanes);
      f.get(zero).op(F64X2.splat).set(s.zeroLanes);
      f.get(divisor).op(F64X2.splat).set(s.divisorLanes);
      f.get(divisor).f64(1).op(F64.ne).set(s.divides);
    }
    f.get(blank).op(I32X4.splat).set(s.blankLanes);
    if (quads) f.f32(NaN);
    else f.f64(NaN);
    f.op(lanes.splat).set(s.nanLanes);
    f.get(s.params.satFrom).op(I32X4.splat).set(s.saturation!.fromLanes);
  }
  f.get(rowLen).i32(s.shift).op(I32.shl).set(rowBytes);
  f.get(rowBytes)
    .i32(-s.step << s.shift)
    .op(I32.and)
    .set(stepsEnd);
  f.forLoop(
    row,
    () => void f.i32(0),
    () => void f.get(rows),
    () => void f.i32(1),
    () => {
      f.get(ptr, row, pitch).op(I32.mul, I32.add).set(rowAddress);
      if (fromInt16) f.get(src, row, srcPitch).op(I32.mul, I32.add).set(s.srcRowAddress);
      rangeRow(s);
    },
  );
  writeRange(s);
}

/** One row: its steps, the samples after them, then (when its NaN count grew) its NaNs listed. */
function rangeRow(s: RangeScan): void {
  const { f, offset, samples, nanCounts, oddNaNs } = s;
  f.get(nanCounts).set(s.nanCountsAtRowStart);
  f.get(oddNaNs).set(s.oddNaNsAtRowStart);
  const sat = s.saturation;
  if (sat) {
    f.get(sat.counts).set(sat.countsAtRowStart);
    f.get(sat.oddSat).set(sat.oddSatAtRowStart);
  }
  f.forLoop(
    offset,
    () => void f.i32(0),
    () => void f.get(s.stepsEnd),
    () => void f.i32(s.step << s.shift),
    () => {
      if (s.quads) {
        rangeSampleQuad(s);
        takeRange(s);
        f.get(nanCounts, samples, samples).op(F32X4.ne, I32X4.sub).set(nanCounts); // −(−1) where NaN
      } else {
        rangeSamplePair(s);
        takeRange(s);
        f.get(nanCounts, samples, samples).op(F64X2.ne, I64X2.sub).set(nanCounts);
      }
    },
  );
  const lastSample = () => {
    takeRange(s);
    f.get(s.lane0, s.lane0).op(F64.ne).get(oddNaNs).op(I32.add).set(oddNaNs);
  };
  if (s.quads)
    f.forLoop(
      offset,
      () => void f.get(s.stepsEnd),
      () => void f.get(s.rowBytes),
      () => void f.i32(1 << s.shift),
      () => {
        plainSample(s);
        lastSample();
      },
    );
  else
    f.ifThen(
      () => void f.get(s.stepsEnd, s.rowBytes).op(I32.ltU),
      () => {
        rangeLastSample(s);
        lastSample();
      },
    );
  // Holes are rare: a row whose NaN count grew is looked at again, sample by sample.
  f.ifThen(
    () => {
      f.get(nanCounts, s.nanCountsAtRowStart).op(V128.xor, V128.anyTrue);
      f.get(oddNaNs, s.oddNaNsAtRowStart).op(I32.ne, I32.or);
    },
    () =>
      void f.forLoop(
        offset,
        () => void f.i32(0),
        () => void f.get(s.rowBytes),
        () => void f.i32(1 << s.shift),
        () => {
          f.get(s.rowAddress, offset).op(I32.add).set(s.sampleAddress);
          listNaN(s);
        },
      ),
  );
  if (sat) listSaturatedOfRow(s, sat);
}

type Saturation = NonNullable<RangeScan['saturation']>;

/** Saturation is rare too: a row whose saturated count grew lists them, sample by sample. */
function listSaturatedOfRow(s: RangeScan, sat: Saturation): void {
  const { f, offset } = s;
  const { satList, satCapacity } = s.params;
  f.ifThen(
    () => {
      f.get(sat.counts, sat.countsAtRowStart).op(V128.xor, V128.anyTrue);
      f.get(sat.oddSat, sat.oddSatAtRowStart).op(I32.ne, I32.or);
    },
    () =>
      void f.forLoop(
        offset,
        () => void f.i32(0),
        () => void f.get(s.params.rowLen).i32(1).op(I32.shl),
        () => void f.i32(2),
        () => {
          f.get(s.srcRowAddress, offset).op(I32.add).set(s.sampleAddress);
          f.ifThen(
            () => {
              f.get(s.sampleAddress).mem(I32.load16S).set(s.raw);
              saturatedSample(s);
              f.get(sat.satListed, satCapacity).op(I32.ltU, I32.and);
            },
            () => {
              f.get(satList, sat.satListed).i32(2).op(I32.shl, I32.add);
              f.get(s.sampleAddress).i32(1).op(I32.shrU).mem(I32.store);
              f.get(sat.satListed).i32(1).op(I32.add).set(sat.satListed);
            },
          );
        },
      ),
  );
}

/** 1 where the int16 sample `raw` is saturated (blank ≠ raw ≥ satFrom), else 0. */
function saturatedSample(s: RangeScan): void {
  const { f, raw } = s;
  const { satFrom, blank } = s.params;
  f.get(raw, satFrom).op(I32.geS).get(raw, blank).op(I32.ne, I32.and);
}

function takeRange(s: RangeScan): void {
  const { f, min, max, samples } = s;
  const lanes = s.quads ? F32X4 : F64X2;
  f.get(min, samples).op(lanes.pmin).set(min);
  f.get(max, samples).op(lanes.pmax).set(max);
}

/**
 * The four samples at byte offset `offset` of the row into `samples` (float32 lanes), written out:
 * int16 → float32 exactly, NaN where blank; saturated ones counted.
 */
function rangeSampleQuad(s: RangeScan): void {
  const { f, samples, offset } = s;
  const sat = s.saturation!;
  f.get(s.srcRowAddress, offset).i32(1).op(I32.shrU, I32.add).mem(V128.load64Zero, 0, 1);
  f.op(I32X4.extendLowI16x8S).tee(s.ints).op(F32X4.convertI32x4S).set(samples);
  f.get(s.nanLanes, samples, s.ints, s.blankLanes).op(I32X4.eq).tee(sat.blanks);
  f.op(V128.bitselect).set(samples);
  // counts −= (−1 where blank ≠ raw ≥ satFrom)
  f.get(sat.counts, s.ints, sat.fromLanes).op(I32X4.geS).get(sat.blanks).op(V128.andnot, I32X4.sub);
  f.set(sat.counts);
  f.get(s.rowAddress, offset).op(I32.add).get(samples).mem(V128.store, 0, 2);
}

/**
 * The sample at byte offset `offset` of the row (after its quads), as rangeSampleQuad makes it: into
 * lane0 (as float64) and `samples` (all lanes), and written out.
 */
function plainSample(s: RangeScan): void {
  const { f, raw, offset, sampleAddress } = s;
  const sat = s.saturation!;
  f.get(s.rowAddress, offset).op(I32.add).set(sampleAddress);
  f.get(s.srcRowAddress, offset).i32(1).op(I32.shrU, I32.add).mem(I32.load16S).set(raw);
  saturatedSample(s);
  f.get(sat.oddSat).op(I32.add).set(sat.oddSat);
  f.get(raw).op(F32.convertI32S).f32(NaN).get(raw, s.params.blank).op(I32.ne, Op.select); // blank → NaN
  f.op(F64.promoteF32).set(s.lane0);
  f.get(sampleAddress, s.lane0).op(F32.demoteF64).mem(F32.store);
  f.get(s.lane0).op(F32.demoteF64, F32X4.splat).set(s.samples);
}

/** The two samples at byte offset `offset` of the row into `samples`, written out when made here. */
function rangeSamplePair(s: RangeScan): void {
  const { f, samples, offset } = s;
  const f32 = s.element === 'f32';
  if (!s.fromInt16) {
    f.get(s.rowAddress, offset).op(I32.add);
    if (f32) f.mem(V128.load64Zero, 0, 2).op(F64X2.promoteLowF32x4).set(samples);
    else f.mem(V128.load, 0, 3).set(samples);
    return;
  }
  f.get(s.srcRowAddress, offset)
    .i32(s.shift - 1)
    .op(I32.shrU, I32.add)
    .mem(V128.load32Zero, 0, 1);
  f.op(I32X4.extendLowI16x8S).tee(s.ints).op(F64X2.convertLowI32x4S);
  f.get(s.scaleLanes).op(F64X2.mul).get(s.zeroLanes).op(F64X2.add).set(samples);
  const sat = s.saturation!;
  f.get(s.nanLanes, samples, s.ints, s.blankLanes).op(I32X4.eq).tee(sat.blanks);
  f.op(I64X2.extendLowI32x4S, V128.bitselect).set(samples);
  // counts −= (−1 where blank ≠ raw ≥ satFrom), over the two samples' lanes
  f.get(sat.counts, s.ints, sat.fromLanes).op(I32X4.geS).get(sat.blanks).op(V128.andnot);
  f.op(I64X2.extendLowI32x4S, I64X2.sub).set(sat.counts);
  f.ifThen(
    () => void f.get(s.divides),
    () => void f.get(samples, s.divisorLanes).op(F64X2.div).set(samples),
  );
  f.get(s.rowAddress, offset).op(I32.add).get(samples);
  if (f32) {
    // The range is the stored (float32) samples'.
    f.op(F32X4.demoteF64x2Zero).tee(s.ints).memLane(V128.store64Lane, 0, 0);
    f.get(s.ints).op(F64X2.promoteLowF32x4).set(samples);
  } else f.mem(V128.store, 0, 3);
}

/** The odd last sample of the row into lane0 and `samples` (both lanes), written out when made here. */
function rangeLastSample(s: RangeScan): void {
  const { f, samples, stepsEnd, sampleAddress } = s;
  f.get(s.rowAddress, stepsEnd).op(I32.add).set(sampleAddress);
  const f32 = s.element === 'f32';
  if (!s.fromInt16) {
    f.get(sampleAddress);
    if (f32) f.mem(F32.load).op(F64.promoteF32);
    else f.mem(F64.load);
    f.tee(s.lane0).op(F64X2.splat).set(samples);
    return;
  }
  const { srcRowAddress, raw } = s;
  const { scale, zero, blank, divisor } = s.params;
  f.get(srcRowAddress, stepsEnd)
    .i32(s.shift - 1)
    .op(I32.shrU, I32.add)
    .mem(I32.load16S)
    .set(raw);
  saturatedSample(s);
  f.get(s.saturation!.oddSat).op(I32.add).set(s.saturation!.oddSat);
  f.get(raw).op(F64.convertI32S).get(scale).op(F64.mul).get(zero).op(F64.add); // f64(raw) · scale + zero
  f.f64(NaN).get(raw, blank).op(I32.ne, Op.select).get(divisor).op(F64.div); // blank → NaN; / divisor
  if (f32) f.op(F32.demoteF64, F64.promoteF32);
  f.set(s.lane0);
  if (f32) f.get(sampleAddress, s.lane0).op(F32.demoteF64).mem(F32.store);
  else f.get(sampleAddress, s.lane0).mem(F64.store);
  f.get(s.lane0).op(F64X2.splat).set(samples);
}

/** Lists the sample at `sampleAddress` if it is NaN and the list has room. */
function listNaN(s: RangeScan): void {
  const { f, listed } = s;
  const { list, capacity } = s.params;
  f.ifThen(
    () => {
      f.get(s.sampleAddress);
      if (s.element === 'f32') f.mem(F32.load).op(F64.promoteF32);
      else f.mem(F64.load);
      f.tee(s.lane0).get(s.lane0).op(F64.ne);
    },
    () =>
      void f.ifThen(
        () => void f.get(listed, capacity).op(I32.ltU),
        () => {
          f.get(list, listed).i32(2).op(I32.shl, I32.add);
          f.get(s.sampleAddress).i32(s.shift).op(I32.shrU).mem(I32.store); // list[listed] = address / size
          f.get(listed).i32(1).op(I32.add).set(listed);
        },
      ),
  );
}

/**
 * Folds the lanes (min = lane1 < lane0 ? lane1 : lane0, max likewise) and writes (min, max, NaN count,
 * NaNs listed[, saturated count, saturated listed]).
 */
function writeRange(s: RangeScan): void {
  const { f, lane0, lane1, nanCounts } = s;
  const { result } = s.params;
  if (s.quads) {
    // float32 lanes: min/max over their halves into float64 lanes, i32 counts into i64 lanes
    for (const [lanes, wins] of [
      [s.min, F64X2.pmin],
      [s.max, F64X2.pmax],
    ] as const) {
      f.get(lanes).op(F64X2.promoteLowF32x4).get(lanes, lanes).shuffleLanes(4, [2, 3, 2, 3]);
      f.op(F64X2.promoteLowF32x4, wins).set(lanes);
    }
    for (const counts of [nanCounts, s.saturation!.counts]) {
      f.get(counts).op(I64X2.extendLowI32x4S).get(counts).op(I64X2.extendHighI32x4S, I64X2.add).set(counts);
    }
  }
  const fold = (lanes: Local, wins: Opcode, slot: number) => {
    f.get(lanes).lane(F64X2.extractLane, 0).set(lane0);
    f.get(lanes).lane(F64X2.extractLane, 1).set(lane1);
    f.get(result, lane1, lane0, lane1, lane0)
      .op(wins, Op.select)
      .mem(F64.store, slot * 8);
  };
  fold(s.min, F64.lt, 0);
  fold(s.max, F64.gt, 1);
  f.get(result);
  f.get(nanCounts)
    .lane(I64X2.extractLane, 0)
    .get(nanCounts)
    .lane(I64X2.extractLane, 1)
    .op(I64.add, I32.wrapI64);
  f.get(s.oddNaNs).op(I32.add, F64.convertI32S).mem(F64.store, 16);
  f.get(result, s.listed).op(F64.convertI32U).mem(F64.store, 24);
  const sat = s.saturation;
  if (!sat) return;
  f.get(result);
  f.get(sat.counts).lane(I64X2.extractLane, 0).get(sat.counts).lane(I64X2.extractLane, 1);
  f.op(I64.add, I32.wrapI64).get(sat.oddSat).op(I32.add, F64.convertI32S).mem(F64.store, 32);
  f.get(result, sat.satListed).op(F64.convertI32U).mem(F64.store, 40);
}

/**
 * Per-row summary of a mask of `w` bytes a row: flags[r] = 1 where row r (of [r0, r1)) has a nonzero
 * byte, else 0. Lets the resampler skip the 2×2 footprint test on rows with no missing pixel.
 */
function maskRows(mb: ModuleBuilder): void {
  const f = mb.func('reg_maskRows', [I, I, I, I, I]);
  const [mask, width, firstRow, endRow, flags] = f.params;
  const [row, offset, rowAddress, vectorsEnd, any] = f.locals(I, 5);
  const anyLanes = f.local(V);
  f.get(width).i32(-16).op(I32.and).set(vectorsEnd);
  f.forLoop(
    row,
    () => void f.get(firstRow),
    () => void f.get(endRow),
    () => void f.i32(1),
    () => {
      f.get(mask, row, width).op(I32.mul, I32.add).set(rowAddress);
      f.i32(0).op(I32X4.splat).set(anyLanes);
      f.forLoop(
        offset,
        () => void f.i32(0),
        () => void f.get(vectorsEnd),
        () => void f.i32(16),
        () =>
          void f.get(anyLanes, rowAddress, offset).op(I32.add).mem(V128.load, 0, 0).op(V128.or).set(anyLanes),
      );
      f.get(anyLanes).op(V128.anyTrue).set(any);
      f.forLoop(
        offset,
        () => void f.get(vectorsEnd),
        () => void f.get(width),
        () => void f.i32(1),
        () => void f.get(any, rowAddress, offset).op(I32.add).mem(I32.load8U).op(I32.or).set(any),
      );
      f.get(flags, row).op(I32.add).get(any).i32(0).op(I32.ne).mem(I32.store8); // any ≠ 0
    },
  );
}

/** Adds reg_range, reg_layoutI16 and reg_maskRows to the compute engine's module. */
export function addRangeKernels(mb: ModuleBuilder): void {
  rangeKernel(mb, false, 'f64');
  rangeKernel(mb, true, 'f64');
  maskRows(mb);
}

/** Adds reg_range_f32 and reg_layoutI16_f32 (after every other register kernel: the pinned bodies keep their indices). */
export function addFloat32RangeKernels(mb: ModuleBuilder): void {
  rangeKernel(mb, false, 'f32');
  rangeKernel(mb, true, 'f32');
}

/** Adds reg_layoutI16_f32_plain (last of all, so that the other kernels keep their indices). */
export function addPlainLayoutKernel(mb: ModuleBuilder): void {
  rangeKernel(mb, true, 'f32', true);
}

/**
 * reg_clearBytes(start, end): zeroes bytes [start, end), 16 at a time. The mask's 16 MB (4096²)
 * cleared in bands by every thread instead of by the calling thread alone.
 */
export function addClearKernel(mb: ModuleBuilder): void {
  const f = mb.func('reg_clearBytes', [I, I]);
  const [start, end] = f.params;
  const [at, vectorsEnd] = f.locals(I, 2);
  // The last address a whole vector fits before `end` (start when none does).
  f.get(end, start).op(I32.sub).i32(-16).op(I32.and).get(start).op(I32.add).set(vectorsEnd);
  f.forLoop(
    at,
    () => void f.get(start),
    () => void f.get(vectorsEnd),
    () => void f.i32(16),
    () => void f.get(at).i32(0).op(I32X4.splat).mem(V128.store, 0, 0),
  );
  f.forLoop(
    at,
    () => void f.get(vectorsEnd),
    () => void f.get(end),
    () => void f.i32(1),
    () => void f.get(at).i32(0).mem(I32.store8),
  );
}
