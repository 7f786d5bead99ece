/**
 * A minimal WebAssembly binary builder, just enough to emit the compute engine's SIMD kernels (FFT,
 * register, statistics) at run time (no toolchain, no binary blob in the repository). The module it
 * makes imports one shared memory (`e.m`) and exports functions. Code is emitted in stack order by
 * `Func`, with instructions named in ./wasmOpcodes.ts; `Expr` closures pass the code of an operand.
 */
import {
  Constant,
  Control,
  EMPTY_BLOCK,
  I32,
  I8X16,
  naturalAlignment,
  SIMD_BASE,
  SIMD_PREFIX,
  Variable,
  type LaneOpcode,
  type MemoryLaneOpcode,
  type MemoryOpcode,
  type Opcode,
} from './wasmOpcodes.js';

export const T = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type T = (typeof T)[keyof typeof T];

/** Emits the code that pushes one value. */
export type Expr = () => void;

function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb(out: number[], v: number): void {
  v |= 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

export class Local {
  constructor(
    readonly index: number,
    readonly type: T,
  ) {}
}

/**
 * One function's code, and the one vocabulary every kernel generator writes it in: instructions by
 * their names in ./wasmOpcodes.ts, locals, constants, loads and stores, and structured control flow
 * (block, loop, if, for, while) whose branch depths are counted here rather than by the kernels.
 */
export class Func {
  readonly code: number[] = [];
  private readonly localTypes: T[] = [];
  readonly params: Local[];

  constructor(
    readonly index: number,
    readonly name: string | null,
    readonly paramTypes: T[],
    readonly resultTypes: T[],
  ) {
    this.params = paramTypes.map((t, i) => new Local(i, t));
  }

  local(type: T): Local {
    this.localTypes.push(type);
    return new Local(this.paramTypes.length + this.localTypes.length - 1, type);
  }
  /** New locals of one type by name, declared in the order given: `named(T.i32, 'row', 'col')` is { row, col }. */
  named<N extends string>(type: T, ...names: N[]): Record<N, Local> {
    return Object.fromEntries(names.map((name) => [name, this.local(type)])) as Record<N, Local>;
  }
  /** `count` new locals of one type (declared in order, so they share one entry of the body's list). */
  locals(type: T, count: number): Local[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  body(): number[] {
    const out: number[] = [];
    // Group consecutive locals of the same type.
    const groups: [number, T][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [n, t] of groups) {
      uleb(out, n);
      out.push(t);
    }
    out.push(...this.code, Control.end);
    const sized: number[] = [];
    uleb(sized, out.length);
    return sized.concat(out);
  }

  // ---- instructions ---------------------------------------------------------------------------------
  private emit(code: number): void {
    if (code >= SIMD_BASE) {
      this.code.push(SIMD_PREFIX);
      uleb(this.code, code - SIMD_BASE);
    } else this.code.push(code);
  }
  /** Instructions without immediates, in order. */
  op(...codes: Opcode[]): this {
    for (const code of codes) this.emit(code);
    return this;
  }
  /** A load or store at the address on the stack + `offset`, aligned to 2^log2Align bytes. */
  mem(code: MemoryOpcode, offset = 0, log2Align = naturalAlignment(code)): this {
    this.emit(code);
    this.memarg(log2Align, offset);
    return this;
  }
  private memarg(log2Align: number, offset: number): void {
    uleb(this.code, log2Align);
    uleb(this.code, offset);
  }
  /** A lane extract. */
  lane(code: LaneOpcode, lane: number): this {
    this.emit(code);
    this.code.push(lane);
    return this;
  }
  /** A load or store of one lane (v128.load64_lane / v128.store64_lane). */
  memLane(code: MemoryLaneOpcode, lane: number, offset = 0): this {
    this.emit(code);
    this.memarg(naturalAlignment(code), offset);
    this.code.push(lane);
    return this;
  }
  /**
   * i8x16.shuffle of the two vectors on the stack, taking value lanes `picks` of `laneBytes` bytes
   * (the first operand's lanes, then the second's).
   */
  shuffleLanes(laneBytes: number, picks: number[]): this {
    this.emit(I8X16.shuffle);
    for (const pick of picks) for (let b = 0; b < laneBytes; b++) this.code.push(pick * laneBytes + b);
    return this;
  }

  // ---- locals and constants -------------------------------------------------------------------------
  get(...locals: Local[]): this {
    for (const l of locals) {
      this.emit(Variable.localGet);
      uleb(this.code, l.index);
    }
    return this;
  }
  set(l: Local, value?: Expr): this {
    if (value) value();
    this.emit(Variable.localSet);
    uleb(this.code, l.index);
    return this;
  }
  tee(l: Local): this {
    this.emit(Variable.localTee);
    uleb(this.code, l.index);
    return this;
  }
  i32(v: number): this {
    this.emit(Constant.i32);
    sleb(this.code, v);
    return this;
  }
  f32(v: number): this {
    this.emit(Constant.f32);
    for (const b of new Uint8Array(new Float32Array([v]).buffer)) this.code.push(b);
    return this;
  }
  f64(v: number): this {
    this.emit(Constant.f64);
    for (const b of new Uint8Array(new Float64Array([v]).buffer)) this.code.push(b);
    return this;
  }
  /** v128.const of four i32 lanes. */
  i32x4(lanes: readonly [number, number, number, number]): this {
    this.emit(Constant.v128);
    for (const x of lanes) for (let b = 0; b < 4; b++) this.code.push((x >>> (8 * b)) & 0xff);
    return this;
  }

  // ---- control --------------------------------------------------------------------------------------
  call(f: Func): this {
    this.emit(Control.call);
    uleb(this.code, f.index);
    return this;
  }
  /** `block … end`: a branch to it (depth 0 inside `body`) leaves it. */
  block(body: () => void): this {
    this.code.push(Control.block, EMPTY_BLOCK);
    body();
    this.code.push(Control.end);
    return this;
  }
  /** `loop … end`: a branch to it (depth 0 inside `body`) starts it again. */
  loop(body: () => void): this {
    this.code.push(Control.loop, EMPTY_BLOCK);
    body();
    this.code.push(Control.end);
    return this;
  }
  /** Branch to the enclosing block or loop `depth` levels out (0: the innermost). */
  br(depth: number): this {
    this.code.push(Control.br, depth);
    return this;
  }
  /** Branch as br when the i32 on the stack is nonzero. */
  brIf(depth: number): this {
    this.code.push(Control.brIf, depth);
    return this;
  }
  /** `for (i = start; i < end; i += step) body` with unsigned compare; end is re-evaluated each turn. */
  forLoop(i: Local, start: Expr, end: Expr, step: Expr, body: () => void): this {
    this.set(i, start);
    return this.block(() => {
      this.get(i);
      end();
      this.op(I32.geU).brIf(0); // no turn at all
      this.loop(() => {
        body();
        this.get(i);
        step();
        this.op(I32.add).set(i);
        this.get(i);
        end();
        this.op(I32.ltU).brIf(0);
      });
    });
  }
  /** `while (!exit) body`: `exit` pushes an i32 tested before every turn. */
  loopUntil(exit: Expr, body: () => void): this {
    return this.block(() =>
      this.loop(() => {
        exit();
        this.brIf(1);
        body();
        this.br(0);
      }),
    );
  }
  /** `while (cond) body`. */
  whileLoop(cond: Expr, body: () => void): this {
    return this.loopUntil(() => {
      cond();
      this.op(I32.eqz);
    }, body);
  }
  ifThen(cond: Expr, then: () => void, otherwise?: () => void): this {
    cond();
    this.code.push(Control.if, EMPTY_BLOCK);
    then();
    if (otherwise) {
      this.code.push(Control.else);
      otherwise();
    }
    this.code.push(Control.end);
    return this;
  }
}

/** `\0asm`, version 1. */
const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const Section = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;
const FUNCTION_TYPE = 0x60;
const IMPORT_MEMORY = 0x02;
/** Limits flags of a shared memory with a maximum. */
const SHARED_MEMORY_WITH_MAX = 0x03;
const EXPORT_FUNCTION = 0x00;

export class ModuleBuilder {
  private readonly funcs: Func[] = [];

  constructor(
    private readonly memMinPages: number,
    private readonly memMaxPages: number,
  ) {}

  func(name: string | null, params: T[], results: T[] = []): Func {
    const f = new Func(this.funcs.length, name, params, results);
    this.funcs.push(f);
    return f;
  }

  build(): Uint8Array {
    const out: number[] = [...MAGIC_AND_VERSION];
    const section = (id: number, content: number[]): void => {
      out.push(id);
      uleb(out, content.length);
      for (const b of content) out.push(b);
    };
    const str = (o: number[], s: string): void => {
      const b = Buffer.from(s, 'utf8');
      uleb(o, b.length);
      for (const x of b) o.push(x);
    };
    // types: one per function (simple, no dedup needed at this size)
    const types: number[] = [];
    uleb(types, this.funcs.length);
    for (const f of this.funcs) {
      types.push(FUNCTION_TYPE);
      uleb(types, f.paramTypes.length);
      types.push(...f.paramTypes);
      uleb(types, f.resultTypes.length);
      types.push(...f.resultTypes);
    }
    section(Section.type, types);
    const imports: number[] = [1];
    str(imports, 'e');
    str(imports, 'm');
    imports.push(IMPORT_MEMORY, SHARED_MEMORY_WITH_MAX);
    uleb(imports, this.memMinPages);
    uleb(imports, this.memMaxPages);
    section(Section.import, imports);
    const fsec: number[] = [];
    uleb(fsec, this.funcs.length);
    this.funcs.forEach((_, i) => uleb(fsec, i));
    section(Section.function, fsec);
    const exported = this.funcs.filter((f) => f.name !== null);
    const exp: number[] = [];
    uleb(exp, exported.length);
    for (const f of exported) {
      str(exp, f.name as string);
      exp.push(EXPORT_FUNCTION);
      uleb(exp, f.index);
    }
    section(Section.export, exp);
    const code: number[] = [];
    uleb(code, this.funcs.length);
    for (const f of this.funcs) for (const b of f.body()) code.push(b);
    section(Section.code, code);
    return new Uint8Array(out);
  }
}
