/**
 * The WebAssembly instructions the generated kernels use, named as in the specification (`i32.add` is
 * `I32.add`, `f64x2.convert_low_i32x4_s` is `F64X2.convertLowI32x4S`): the one table of opcodes, core
 * and SIMD, so no kernel writes an instruction as a number. An opcode's type says which immediates
 * follow it, so ./wasmBuilder.ts takes each kind only where it writes those immediates: `op` the plain
 * ones, `mem` loads and stores (a memarg), `lane` lane extracts (a lane index), `memLane` lane loads and
 * stores (both). Control, variable and constant instructions and the shuffle are written by the builder's own
 * helpers alone (structured blocks and loops, `get`/`set`, `i32(7)`, `shuffleLanes`).
 */

declare const immediates: unique symbol;
/** What follows the opcode in the code. */
type Immediates = 'none' | 'memarg' | 'lane' | 'memarg+lane' | 'builder';
/** A core opcode is its byte; a SIMD one is SIMD_BASE + its number after the 0xfd prefix. */
export type Opcode<K extends Immediates = 'none'> = number & { readonly [immediates]: K };
export type MemoryOpcode = Opcode<'memarg'>;
export type LaneOpcode = Opcode<'lane'>;
export type MemoryLaneOpcode = Opcode<'memarg+lane'>;
export type BuilderOpcode = Opcode<'builder'>;

export const SIMD_PREFIX = 0xfd;
export const SIMD_BASE = 0x10000;

const naturalAlign = new Map<number, number>();

const op = (byte: number) => byte as Opcode;
const simd = (n: number) => (SIMD_BASE + n) as Opcode;
const lane = (n: number) => (SIMD_BASE + n) as LaneOpcode;
const builder = (code: number) => code as BuilderOpcode;
/** A load or store, with the log2 of its natural alignment (the default memarg alignment). */
const memory = (code: number, log2Align: number): MemoryOpcode => {
  naturalAlign.set(code, log2Align);
  return code as MemoryOpcode;
};
const simdMemory = (n: number, log2Align: number): MemoryOpcode => memory(SIMD_BASE + n, log2Align);
const simdMemoryLane = (n: number, log2Align = 3): MemoryLaneOpcode => {
  naturalAlign.set(SIMD_BASE + n, log2Align);
  return (SIMD_BASE + n) as MemoryLaneOpcode;
};

/** log2 of the natural alignment of a load or store. */
export function naturalAlignment(code: MemoryOpcode | MemoryLaneOpcode): number {
  return naturalAlign.get(code) as number;
}

/** Block type of a block, loop or if that leaves no value. */
export const EMPTY_BLOCK = 0x40;

export const Control = {
  block: builder(0x02),
  loop: builder(0x03),
  if: builder(0x04),
  else: builder(0x05),
  end: builder(0x0b),
  br: builder(0x0c),
  brIf: builder(0x0d),
  call: builder(0x10),
} as const;

export const Variable = {
  localGet: builder(0x20),
  localSet: builder(0x21),
  localTee: builder(0x22),
} as const;

export const Constant = {
  i32: builder(0x41),
  f32: builder(0x43),
  f64: builder(0x44),
  v128: builder(SIMD_BASE + 0x0c),
} as const;

export const I8X16 = {
  shuffle: builder(SIMD_BASE + 0x0d),
} as const;

export const Op = {
  return: op(0x0f),
  select: op(0x1b),
} as const;

export const I32 = {
  load: memory(0x28, 2),
  load8U: memory(0x2d, 0),
  load16S: memory(0x2e, 1),
  store: memory(0x36, 2),
  store8: memory(0x3a, 0),
  eqz: op(0x45),
  eq: op(0x46),
  ne: op(0x47),
  ltS: op(0x48),
  ltU: op(0x49),
  leS: op(0x4c),
  geS: op(0x4e),
  geU: op(0x4f),
  add: op(0x6a),
  sub: op(0x6b),
  mul: op(0x6c),
  divU: op(0x6e),
  remS: op(0x6f),
  and: op(0x71),
  or: op(0x72),
  xor: op(0x73),
  shl: op(0x74),
  shrU: op(0x76),
  wrapI64: op(0xa7),
  truncF64S: op(0xaa),
} as const;

export const I64 = {
  store: memory(0x37, 3),
  add: op(0x7c),
} as const;

export const F32 = {
  load: memory(0x2a, 2),
  store: memory(0x38, 2),
  convertI32S: op(0xb2),
  demoteF64: op(0xb6),
  reinterpretI32: op(0xbe),
} as const;

export const F64 = {
  load: memory(0x2b, 3),
  store: memory(0x39, 3),
  eq: op(0x61),
  ne: op(0x62),
  lt: op(0x63),
  gt: op(0x64),
  add: op(0xa0),
  mul: op(0xa2),
  div: op(0xa3),
  convertI32S: op(0xb7),
  convertI32U: op(0xb8),
  promoteF32: op(0xbb),
} as const;

export const V128 = {
  load: simdMemory(0x00, 4),
  load64Splat: simdMemory(0x0a, 3),
  store: simdMemory(0x0b, 4),
  not: simd(0x4d),
  and: simd(0x4e),
  andnot: simd(0x4f),
  or: simd(0x50),
  xor: simd(0x51),
  bitselect: simd(0x52),
  anyTrue: simd(0x53),
  load32Lane: simdMemoryLane(0x56, 2),
  load64Lane: simdMemoryLane(0x57),
  store32Lane: simdMemoryLane(0x5a, 2),
  store64Lane: simdMemoryLane(0x5b),
  load32Zero: simdMemory(0x5c, 2),
  load64Zero: simdMemory(0x5d, 3),
} as const;

export const I32X4 = {
  splat: simd(0x11),
  extractLane: lane(0x1b),
  eq: simd(0x37),
  ltS: simd(0x39),
  geS: simd(0x3f),
  allTrue: simd(0xa3),
  extendLowI16x8S: simd(0xa7),
  shl: simd(0xab),
  shrS: simd(0xac),
  shrU: simd(0xad),
  add: simd(0xae),
  sub: simd(0xb1),
  mul: simd(0xb5),
  minU: simd(0xb7),
  maxU: simd(0xb9),
  truncSatF64x2SZero: simd(0xfc),
} as const;

export const I64X2 = {
  extractLane: lane(0x1d),
  allTrue: simd(0xc3),
  extendLowI32x4S: simd(0xc7),
  extendHighI32x4S: simd(0xc8),
  extendLowI32x4U: simd(0xc9),
  extendHighI32x4U: simd(0xca),
  add: simd(0xce),
  sub: simd(0xd1),
} as const;

/** The float lane arithmetic both FFT precisions use, so a kernel is written once for either. */
export interface FloatLanes {
  splat: Opcode;
  eq: Opcode;
  ne: Opcode;
  gt: Opcode;
  abs: Opcode;
  add: Opcode;
  sub: Opcode;
  mul: Opcode;
  div: Opcode;
}

export const F32X4 = {
  splat: simd(0x13),
  eq: simd(0x41),
  ne: simd(0x42),
  gt: simd(0x44),
  demoteF64x2Zero: simd(0x5e),
  abs: simd(0xe0),
  add: simd(0xe4),
  sub: simd(0xe5),
  mul: simd(0xe6),
  div: simd(0xe7),
  pmin: simd(0xea),
  pmax: simd(0xeb),
  convertI32x4S: simd(0xfa),
} as const;

export const F64X2 = {
  splat: simd(0x14),
  extractLane: lane(0x21),
  eq: simd(0x47),
  ne: simd(0x48),
  lt: simd(0x49),
  gt: simd(0x4a),
  le: simd(0x4b),
  ge: simd(0x4c),
  promoteLowF32x4: simd(0x5f),
  floor: simd(0x75),
  abs: simd(0xec),
  add: simd(0xf0),
  sub: simd(0xf1),
  mul: simd(0xf2),
  div: simd(0xf3),
  pmin: simd(0xf6),
  pmax: simd(0xf7),
  convertLowI32x4S: simd(0xfe),
} as const;
