/**
 * WebAssembly SIMD kernels for the statistics of a register output (DATAMIN … DATARMS), generated with
 * ./wasmBuilder.ts into the compute engine's module. They run the two passes of
 * ../../register/imageStatistics.ts on one band of samples each; CpuBackend.statistics runs them in
 * parallel and merges the bands. Samples are read as groups of 4 (one f32x4 or two f64x2 loads); the
 * last, partial group reads whole vectors and masks the lanes past the end, so a band's buffer must be
 * readable up to its next 32-byte boundary (the backend's allocations are 64-byte aligned and padded).
 *
 * Keys are the float32 bit patterns made order-preserving (negatives inverted, positives above them);
 * a non-finite sample gets the key 0xffffffff, above every finite one, so it lands in the last bin of
 * the first pass (ranks are counted from the bottom and never reach it) and in no median bucket.
 * Histograms are counted in one copy per lane, so neighbouring samples in the same bin, common in solar
 * images, do not wait on each other's increment; the copies are folded into the first at the end.
 */
import { Func, Local, ModuleBuilder, T } from './wasmBuilder.js';
import { F32, F32X4, F64, F64X2, I32, I32X4, I64, I64X2, Op, V128, type Opcode } from './wasmOpcodes.js';

const I = T.i32;
const F = T.f64;
const V = T.v128;

/** Bins of the first pass: the top 16 bits of the key. */
export const SCAN_BINS = 65536;
/** Bins of the second pass: the low 16 bits, in the lower median's bucket then the upper one's. */
export const DEVIATION_BINS = 2 * 65536;
/** Bytes of one band's histogram workspace: 4 lane copies of the bins and a spare bin, 16-byte aligned. */
export const histogramBytes = (bins: number): number => 4 * (bins + 4) * 4;
/**
 * Bytes of one band's result block: finite count, sum, min, max of the first pass (f64), then the sum
 * of the samples' native 32-bit words (u64, at STAT_WORD_SUM), every sample's bits, NaN's included:
 * the FITS data sum of the band's big-endian encoding, before its carries are folded.
 */
export const STAT_RESULT_BYTES = 40;
export const STAT_WORD_SUM = 32;

/** Groups per iteration of the main loop (16 samples: a cache line of float32). */
const UNROLL = 4;

/** A new local holding i32 lanes `values` (one value: in every lane). */
function i32x4Local(f: Func, values: [number, number, number, number] | number): Local {
  const l = f.local(V);
  if (typeof values === 'number') f.i32(values).op(I32X4.splat);
  else f.i32x4(values);
  f.set(l);
  return l;
}

/** One group's registers, set by loadGroup. */
interface Group {
  /** The 4 samples (f32x4), or the first two (f64x2). */
  first: Local;
  /** The last two samples (f64x2; f64 input only). */
  second: Local;
  /** All-ones where `first` / `second` is not finite (f64 input only). */
  nonFiniteFirst: Local;
  nonFiniteSecond: Local;
  /** All-ones (i32 lanes) where a sample is not finite or, in the last group, past the end. */
  nonFinite: Local;
  key: Local;
  /** All-ones (i32 lanes) past the end in the group being generated (the partial last one), else null. */
  pastEnd: Local | null;
}

/**
 * A loop-carried sum, minimum or maximum. An iteration combines its groups' contributions into
 * `part` first and into `acc` once, so each accumulator carries one dependency per UNROLL groups.
 */
interface Accumulator {
  acc: Local;
  part: Local;
  /** Ops combining (part, contribution) or (acc, part) on the stack into one vector. */
  combine: Opcode[];
  /** Pushes the current group's contribution. */
  contribution: () => void;
}

interface Pass {
  accumulators: Accumulator[];
  /** Counts the current group in the histogram. */
  histogram: () => void;
  /** Writes the results after the loop. */
  finish: () => void;
}

/** What the frame of a pass works with. */
interface StatFrame {
  f: Func;
  f64Input: boolean;
  group: Group;
  /** Byte address of the current group. */
  at: Local;
  signBit: Local;
  exponentMask: Local;
  pass: Pass;
}

/**
 * The frame of both passes (params: ptr, count, result, hist, ...extra): zero the lane histograms,
 * walk [ptr, ptr + count·size) in iterations of UNROLL groups, then single groups, then the partial
 * last group, and fold the histogram copies into the first.
 */
function statKernel(
  mb: ModuleBuilder,
  name: string,
  extraParams: T[],
  f64Input: boolean,
  bins: number,
  setup: (f: Func, group: Group, laneBases: Local) => Pass,
): void {
  const f = mb.func(name, [I, I, I, I, ...extraParams]);
  const [ptr, count, , hist] = f.params;
  const [at, end, histAddress, histEnd] = f.locals(I, 4);
  const groupBytes = f64Input ? 32 : 16;
  const copyBytes = (bins + 4) * 4;
  /** `body` at each 16-byte address of the first `bytes` of the histogram workspace. */
  const eachHistogramVector = (bytes: number, body: () => void) => {
    f.get(hist).i32(bytes).op(I32.add).set(histEnd);
    f.forLoop(
      histAddress,
      () => void f.get(hist),
      () => void f.get(histEnd),
      () => void f.i32(16),
      body,
    );
  };
  eachHistogramVector(4 * copyBytes, () => void f.get(histAddress).i32(0).op(I32X4.splat).mem(V128.store));
  // byte address of each lane's copy, added to the lanes' byte offsets in one i32x4.add
  const laneBases = i32x4Local(f, [0, copyBytes, 2 * copyBytes, 3 * copyBytes]);
  f.get(laneBases, hist).op(I32X4.splat, I32X4.add).set(laneBases);
  const [first, second, nonFiniteFirst, nonFiniteSecond, nonFinite, key] = f.locals(V, 6);
  const group: Group = { first, second, nonFiniteFirst, nonFiniteSecond, nonFinite, key, pastEnd: null };
  const signBit = i32x4Local(f, -0x80000000);
  const exponentMask = i32x4Local(f, 0x7f800000);
  const frame: StatFrame = {
    f,
    f64Input,
    group,
    at,
    signBit,
    exponentMask,
    pass: setup(f, group, laneBases),
  };
  const groupsEnd = (groupsMask: number) =>
    void f
      .get(ptr, count)
      .i32(groupsMask)
      .op(I32.and)
      .i32(f64Input ? 3 : 2)
      .op(I32.shl, I32.add)
      .set(end);
  groupsEnd(-4 * UNROLL);
  f.forLoop(
    at,
    () => void f.get(ptr),
    () => void f.get(end),
    () => void f.i32(UNROLL * groupBytes),
    () => takeGroups(frame, UNROLL, null),
  );
  f.get(end).set(at);
  groupsEnd(-4);
  f.whileLoop(
    () => void f.get(at, end).op(I32.ltU),
    () => {
      takeGroups(frame, 1, null);
      f.get(at).i32(groupBytes).op(I32.add).set(at);
    },
  );
  takeLastPartialGroup(frame, count);
  // fold the lane copies into the first
  eachHistogramVector(bins * 4, () => {
    f.get(histAddress, histAddress).mem(V128.load);
    for (let copy = 1; copy < 4; copy++)
      f.get(histAddress)
        .mem(V128.load, copy * copyBytes)
        .op(I32X4.add);
    f.mem(V128.store);
  });
  frame.pass.finish();
}

/** The partial last group: lanes [count mod 4, 4) are past the end. */
function takeLastPartialGroup(frame: StatFrame, count: Local): void {
  const { f } = frame;
  const pastEnd = f.local(V);
  const laneIndex = i32x4Local(f, [0, 1, 2, 3]);
  f.ifThen(
    () => void f.get(count).i32(3).op(I32.and),
    () => {
      f.get(laneIndex, count).i32(3).op(I32.and, I32X4.splat, I32X4.ltS, V128.not).set(pastEnd);
      takeGroups(frame, 1, pastEnd);
    },
  );
}

/** `n` groups from `at` into the pass's parts and histogram, then the parts into the accumulators. */
function takeGroups(frame: StatFrame, n: number, pastEnd: Local | null): void {
  const { f, pass } = frame;
  const groupBytes = frame.f64Input ? 32 : 16;
  for (let i = 0; i < n; i++) {
    loadGroup(frame, i * groupBytes, pastEnd);
    for (const a of pass.accumulators) {
      if (i > 0) f.get(a.part);
      a.contribution();
      if (i > 0) f.op(...a.combine);
      f.set(a.part);
    }
    pass.histogram();
  }
  for (const a of pass.accumulators)
    f.get(a.acc, a.part)
      .op(...a.combine)
      .set(a.acc);
}

/** Loads the group at `at + offset` into the frame's group, with its non-finite lanes and keys. */
function loadGroup(frame: StatFrame, offset: number, pastEnd: Local | null): void {
  const { f, at, group } = frame;
  const { first, second, nonFinite, key } = group;
  group.pastEnd = pastEnd;
  if (frame.f64Input) {
    f.get(at).mem(V128.load, offset).set(first);
    f.get(at)
      .mem(V128.load, offset + 16)
      .set(second);
    // not finite ⇔ v − v is NaN
    for (const [v, nf] of [
      [first, group.nonFiniteFirst],
      [second, group.nonFiniteSecond],
    ]) {
      f.get(v, v).op(F64X2.sub).set(nf);
      f.get(nf, nf).op(F64X2.ne).set(nf);
    }
    if (pastEnd) {
      f.get(group.nonFiniteFirst, pastEnd).op(I64X2.extendLowI32x4S, V128.or).set(group.nonFiniteFirst);
      f.get(group.nonFiniteSecond, pastEnd).op(I64X2.extendHighI32x4S, V128.or).set(group.nonFiniteSecond);
    }
    f.get(group.nonFiniteFirst, group.nonFiniteSecond).shuffleLanes(4, [0, 2, 4, 6]).set(nonFinite);
    // float32-rounded, as Float32Array.from rounds
    f.get(first).op(F32X4.demoteF64x2Zero).get(second).op(F32X4.demoteF64x2Zero);
    f.shuffleLanes(4, [0, 1, 4, 5]).set(key);
  } else {
    f.get(at).mem(V128.load, offset).set(first);
    f.get(first, frame.exponentMask).op(V128.and).get(frame.exponentMask).op(I32X4.eq).set(nonFinite);
    if (pastEnd) f.get(nonFinite, pastEnd).op(V128.or).set(nonFinite);
    f.get(first).set(key);
  }
  // key = bits ^ ((bits >>s 31) | 0x80000000), 0xffffffff where not finite
  f.get(key, key).i32(31);
  f.op(I32X4.shrS).get(frame.signBit).op(V128.or, V128.xor).get(nonFinite).op(V128.or).set(key);
}

/** Adds 1 to the u32 at each lane's byte address in `addresses`. */
function scatter(f: Func, addresses: Local, address: Local): void {
  for (let lane = 0; lane < 4; lane++) {
    f.get(addresses).lane(I32X4.extractLane, lane).tee(address);
    f.get(address).mem(I32.load).i32(1).op(I32.add).mem(I32.store);
  }
}

function accumulator(f: Func, combine: Opcode[], contribution: () => void, init?: Local): Accumulator {
  const acc = f.local(V);
  if (init) f.get(init).set(acc);
  return { acc, part: f.local(V), combine, contribution };
}

/** Stores the sum of the two f64 lanes of `v` at `result + offset`. */
function storeLaneSum(f: Func, v: Local, offset: number): void {
  const result = f.params[2];
  f.get(result);
  f.get(v).lane(F64X2.extractLane, 0);
  f.get(v).lane(F64X2.extractLane, 1).op(F64.add).mem(F64.store, offset);
}

/**
 * Pass 1 over `count` samples at `ptr`: writes (finite count, sum, min, max) as f64 at `result`, the
 * sum of their 32-bit words as u64 at `result + STAT_WORD_SUM` (the output's DATASUM comes out of the
 * pass that reads the samples anyway) and the counts of the keys' top 16 bits as SCAN_BINS u32 at `hist`. Min and max leave non-finite
 * samples out (NaN when there is no finite one); for float32 they are taken on the keys.
 */
function scan(mb: ModuleBuilder, f64Input: boolean): void {
  statKernel(mb, `stat_scan_${f64Input ? 'f64' : 'f32'}`, [], f64Input, SCAN_BINS, (f, group, laneBases) => {
    const scratch = f.local(V);
    const nonFinite = accumulator(f, [I32X4.add], () => void f.get(group.nonFinite)); // −1 per lane
    const sum = accumulator(f, [F64X2.add], () => {
      if (f64Input)
        f.get(group.first, group.nonFiniteFirst)
          .op(V128.andnot)
          .get(group.second, group.nonFiniteSecond)
          .op(V128.andnot, F64X2.add);
      else {
        f.get(group.first, group.nonFinite).op(V128.andnot).set(scratch);
        f.get(scratch)
          .op(F64X2.promoteLowF32x4)
          .get(scratch, scratch)
          .shuffleLanes(4, [2, 3, 2, 3])
          .op(F64X2.promoteLowF32x4, F64X2.add);
      }
    });
    const words = f.local(V);
    // each vector's four u32 words (past the end: 0) widened to u64 lanes and added
    const addWords = (vector: Local, pastEnd: () => void) => {
      f.get(vector);
      if (group.pastEnd) {
        pastEnd();
        f.op(V128.andnot);
      }
      f.tee(words).op(I64X2.extendLowI32x4U).get(words).op(I64X2.extendHighI32x4U, I64X2.add);
    };
    const wordSum = accumulator(f, [I64X2.add], () => {
      if (f64Input) {
        addWords(group.first, () => void f.get(group.pastEnd!).op(I64X2.extendLowI32x4S));
        addWords(group.second, () => void f.get(group.pastEnd!).op(I64X2.extendHighI32x4S));
        f.op(I64X2.add);
      } else addWords(group.first, () => void f.get(group.pastEnd!));
    });
    let min: Accumulator;
    let max: Accumulator;
    if (f64Input) {
      // non-finite lanes replaced by ±Infinity
      const [plusInfinity, minusInfinity] = f.locals(V, 2);
      f.f64(Infinity).op(F64X2.splat).set(plusInfinity);
      f.f64(-Infinity).op(F64X2.splat).set(minusInfinity);
      const extreme = (op: Opcode, fill: Local) => () =>
        void f
          .get(fill, group.first, group.nonFiniteFirst)
          .op(V128.bitselect)
          .get(fill, group.second, group.nonFiniteSecond)
          .op(V128.bitselect, op);
      min = accumulator(f, [F64X2.pmin], extreme(F64X2.pmin, plusInfinity), plusInfinity);
      max = accumulator(f, [F64X2.pmax], extreme(F64X2.pmax, minusInfinity), minusInfinity);
    } else {
      // non-finite keys are 0xffffffff: above every finite key, and 0 once masked for the maximum
      min = accumulator(f, [I32X4.minU], () => void f.get(group.key), i32x4Local(f, -1));
      max = accumulator(f, [I32X4.maxU], () => void f.get(group.key, group.nonFinite).op(V128.andnot));
    }
    const binAddress = f.local(I);
    return {
      accumulators: [nonFinite, sum, min, max, wordSum],
      histogram: () => {
        f.get(group.key).i32(16);
        f.op(I32X4.shrU).i32(2);
        f.op(I32X4.shl).get(laneBases).op(I32X4.add).set(scratch);
        scatter(f, scratch, binAddress);
      },
      finish: () => {
        writeScanResults(f, f64Input, nonFinite.acc, sum.acc, min.acc, max.acc);
        f.get(f.params[2]);
        f.get(wordSum.acc).lane(I64X2.extractLane, 0);
        f.get(wordSum.acc).lane(I64X2.extractLane, 1).op(I64.add).mem(I64.store, STAT_WORD_SUM);
      },
    };
  });
}

/**
 * Writes pass 1's results from its accumulators: the finite count (lanes processed minus the
 * non-finite or past-the-end ones), the sum, and min and max folded over the lanes.
 */
function writeScanResults(
  f: Func,
  f64Input: boolean,
  nonFinite: Local,
  sum: Local,
  min: Local,
  max: Local,
): void {
  const result = f.params[2];
  const finite = f.local(I);
  const [best, other] = f.locals(F, 2);
  f.get(f.params[1]).i32(3).op(I32.add).i32(-4).op(I32.and);
  for (let lane = 0; lane < 4; lane++) f.get(nonFinite).lane(I32X4.extractLane, lane).op(I32.add);
  f.set(finite);
  f.get(result, finite).op(F64.convertI32U).mem(F64.store, 0);
  storeLaneSum(f, sum, 8);
  const lanes = f64Input ? 2 : 4;
  // each lane as f64 (a float32 key back to its value: positives 0x80000000 | bits, negatives ~bits)
  const lane = (acc: Local, i: number) => {
    if (f64Input) return void f.get(acc).lane(F64X2.extractLane, i);
    const keyBits = f.local(I);
    f.get(acc).lane(I32X4.extractLane, i).tee(keyBits);
    f.i32(0x7fffffff).op(I32.and).get(keyBits).i32(-1).op(I32.xor).get(keyBits).i32(0).op(I32.ltS);
    f.op(Op.select, F32.reinterpretI32, F64.promoteF32);
  };
  // fold the lanes: NaN (no finite sample in a lane) never wins a comparison
  const fold = (acc: Local, cmp: Opcode, offset: number) => {
    lane(acc, 0);
    f.set(best);
    for (let i = 1; i < lanes; i++) {
      lane(acc, i);
      f.set(other);
      f.get(other, best, other, best).op(cmp);
      f.get(best, best).op(F64.ne, I32.or, Op.select).set(best); // other when it wins or best is NaN
    }
    f.get(result, best).mem(F64.store, offset);
  };
  fold(min, F64.lt, 16);
  fold(max, F64.gt, 24);
}

/**
 * Pass 2 over `count` samples at `ptr`, given the mean and the buckets (top 16 key bits) of the lower
 * and upper median: writes the sum of squared deviations of the finite samples as f64 at `result`,
 * and the counts of the low 16 key bits of the samples in the lower bucket (bins 0…65535) and, when
 * it is another, the upper bucket (bins 65536…) at `hist`.
 */
function deviations(mb: ModuleBuilder, f64Input: boolean): void {
  const name = `stat_deviations_${f64Input ? 'f64' : 'f32'}`;
  statKernel(mb, name, [F, I, I], f64Input, DEVIATION_BINS, (f, group, laneBases) => {
    const [, , , , mean, lowBucket, highBucket] = f.params;
    const [meanLanes, lowBucketLanes, highBucketLanes, inLow, inHigh, scratch, binOffsets] = f.locals(V, 7);
    f.get(mean).op(F64X2.splat).set(meanLanes);
    f.get(lowBucket).op(I32X4.splat).set(lowBucketLanes);
    f.get(highBucket).op(I32X4.splat).set(highBucketLanes);
    const low16Bits = i32x4Local(f, 0xffff);
    const upperBinsOffset = i32x4Local(f, 65536);
    const spareBin = i32x4Local(f, DEVIATION_BINS);
    // ((v − mean), 0 where not finite)²
    const square = (v: () => void, nonFinite: () => void) => {
      v();
      f.get(meanLanes).op(F64X2.sub);
      nonFinite();
      f.op(V128.andnot).set(scratch);
      f.get(scratch, scratch).op(F64X2.mul);
    };
    const squares = accumulator(f, [F64X2.add], () => {
      if (f64Input) {
        square(
          () => void f.get(group.first),
          () => void f.get(group.nonFiniteFirst),
        );
        square(
          () => void f.get(group.second),
          () => void f.get(group.nonFiniteSecond),
        );
      } else {
        square(
          () => void f.get(group.first).op(F64X2.promoteLowF32x4),
          () => void f.get(group.nonFinite).op(I64X2.extendLowI32x4S),
        );
        square(
          () => void f.get(group.first, group.first).shuffleLanes(4, [2, 3, 2, 3]).op(F64X2.promoteLowF32x4),
          () => void f.get(group.nonFinite).op(I64X2.extendHighI32x4S),
        );
      }
      f.op(F64X2.add);
    });
    const binAddress = f.local(I);
    return {
      accumulators: [squares],
      histogram: () => {
        // in the lower bucket, else in the upper one (non-finite keys are in neither)
        f.get(group.key).i32(16);
        f.op(I32X4.shrU).set(scratch);
        f.get(scratch, lowBucketLanes).op(I32X4.eq).set(inLow);
        f.get(scratch, highBucketLanes).op(I32X4.eq).get(inLow).op(V128.andnot).set(inHigh);
        f.ifThen(
          () => void f.get(inLow, inHigh).op(V128.or, V128.anyTrue),
          () => {
            f.get(group.key, low16Bits).op(V128.and).set(scratch);
            f.get(scratch, spareBin, inLow).op(V128.bitselect).set(binOffsets);
            f.get(scratch, upperBinsOffset).op(I32X4.add).get(binOffsets, inHigh).op(V128.bitselect).i32(2);
            f.op(I32X4.shl).get(laneBases).op(I32X4.add).set(binOffsets);
            scatter(f, binOffsets, binAddress);
          },
        );
      },
      finish: () => storeLaneSum(f, squares.acc, 0),
    };
  });
}

/** Adds the statistics kernels (exports `stat_*`) to the compute engine's module. */
export function addStatisticsKernels(mb: ModuleBuilder): void {
  for (const f64Input of [false, true]) {
    scan(mb, f64Input);
    deviations(mb, f64Input);
  }
}
