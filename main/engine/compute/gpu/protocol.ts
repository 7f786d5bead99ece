/**
 * The GPU host's binary message format, the one definition for both ends: Node imports it, and the
 * host page (resources/gpu-host) is bundled with it. No Node or DOM imports here. One ArrayBuffer per
 * message, little-endian,
 *
 *   u32 op, u32 id, u32 paramCount, u32 payloadCount, u32 payloadBytes[payloadCount], (pad to 8),
 *   f64 params[paramCount], payloads (each padded to 8 bytes)
 *
 * Pixels are raw float32 payloads, the few numbers float64 params: nothing on the hot path is parsed
 * as text (only the hello's adapter description and developer diagnostics are JSON).
 *
 *   hello             page → Node, once: params [mode (1 webgpu, 2 webgl2), software 0/1],
 *                     payloads [description, AdapterReport as JSON]
 *   prepareTransfer   params [w, h, handle], payloads [PSF shifted to [0, 0] (float32)]
 *   releaseTransfer   params [handle]
 *   deconvolve        params [w, h, handle, iterations], payloads [img, u0] → payloads [u, diagnostics?]
 *   resample          params [w, h, outW, outH, kind, lo, hi], payloads [coef, footprint, rows, cols]
 *                     → payloads [output]
 *   simulateDeviceLoss params [after]: lose the context at the after-th kernel dispatch from now
 *                     (0: at once), as a driver reset would; for tests and developers
 *   error             params [ERROR code], payloads [message]
 *
 * Every other reply's params are the request's RequestStats (STATS_FIELDS order).
 */
export const OP = {
  hello: 1,
  prepareTransfer: 2,
  releaseTransfer: 3,
  deconvolve: 4,
  resample: 5,
  simulateDeviceLoss: 6,
  error: 0xffff,
} as const;

/** Why a request failed (the error reply's params[0]). */
export const ERROR = {
  failed: 0,
  /** The GPU context was lost during the request; the host has made a new one. */
  deviceLost: 1,
  /** The host does not hold that OTF (evicted, or lost with its context): upload it again. */
  noTransfer: 2,
  /** The job does not fit the host's GPU memory budget. */
  overBudget: 3,
} as const;

/** The adapter as the host page found it (the hello's JSON payload). */
export interface AdapterReport {
  mode: 'webgpu' | 'webgl2';
  /** SwiftShader, llvmpipe or another CPU emulation: right answers, no speed. */
  software: boolean;
  description: string;
  vendor: string;
  architecture: string;
  device: string;
  /** WebGPU features (e.g. timestamp-query); empty on WebGL2. */
  features: string[];
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxTextureSize: number };
}

/** What the host holds on the GPU after a request, in bytes (resources/gpu-host/gpuMemory.ts). */
export interface MemoryReport {
  /** Everything counted: resident textures/buffers plus kernels' argument textures. */
  heldBytes: number;
  /** The channels' OTFs, kept between jobs. */
  transferBytes: number;
  transfers: number;
  /** Argument textures gpu.js keeps per compiled kernel. */
  stagingBytes: number;
  /** The most ever held at once since the host started. */
  peakBytes: number;
  budgetBytes: number;
}

/** One request's time on the page and the memory after it. */
export interface RequestStats {
  /** Inputs into GPU memory. */
  uploadMs: number;
  /** Kernels, up to the GPU having finished them. */
  computeMs: number;
  /** Results back into page memory. */
  downloadMs: number;
  memory: MemoryReport;
}

const STATS_FIELDS = ['uploadMs', 'computeMs', 'downloadMs'] as const;
const MEMORY_FIELDS = [
  'heldBytes',
  'transferBytes',
  'transfers',
  'stagingBytes',
  'peakBytes',
  'budgetBytes',
] as const;

export function statsParams(stats: RequestStats): number[] {
  return [...STATS_FIELDS.map((f) => stats[f]), ...MEMORY_FIELDS.map((f) => stats.memory[f])];
}

export function statsOf(params: ArrayLike<number>): RequestStats {
  const at = (i: number) => params[i] ?? 0;
  const memory = Object.fromEntries(
    MEMORY_FIELDS.map((f, i) => [f, at(STATS_FIELDS.length + i)]),
  ) as unknown as MemoryReport;
  return { uploadMs: at(0), computeMs: at(1), downloadMs: at(2), memory };
}

export interface HostMessage {
  op: number;
  id: number;
  params: Float64Array;
  payloads: Uint8Array[];
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * A payload: bytes as they are, or float64 samples sent as float32, converted straight into the
 * message (no float32 copy of a 128 MiB grid first).
 */
export type Payload = ArrayBufferView | { asFloat32: Float64Array };

const byteLengthOf = (p: Payload): number => ('asFloat32' in p ? 4 * p.asFloat32.length : p.byteLength);

export function encodeMessage(
  op: number,
  id: number,
  params: ArrayLike<number>,
  payloads: Payload[],
): ArrayBuffer {
  const { buffer, offsets } = layoutMessage(op, id, params, payloads.map(byteLengthOf));
  payloads.forEach((p, i) => {
    if ('asFloat32' in p) new Float32Array(buffer, offsets[i], p.asFloat32.length).set(p.asFloat32);
    else
      new Uint8Array(buffer, offsets[i], p.byteLength).set(
        new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
      );
  });
  return buffer;
}

/**
 * A message with float32 payloads of these lengths that the caller fills where they lie (a 128 MiB
 * request is then written once, not built and copied in); its id is set when it is sent (`setId`).
 */
export function preparedMessage(
  op: number,
  params: ArrayLike<number>,
  float32Lengths: number[],
): { buffer: ArrayBuffer; payloads: Float32Array[] } {
  const { buffer, offsets } = layoutMessage(
    op,
    0,
    params,
    float32Lengths.map((n) => 4 * n),
  );
  return { buffer, payloads: offsets.map((at, i) => new Float32Array(buffer, at, float32Lengths[i])) };
}

/** Byte offset of a message's u32 id. */
const ID_AT = 4;
export const idOf = (message: ArrayBuffer): number => new DataView(message).getUint32(ID_AT, true);
export const setId = (message: ArrayBuffer, id: number): void =>
  new DataView(message).setUint32(ID_AT, id, true);

/** The header and params of a message, and where each payload of these sizes goes. */
function layoutMessage(
  op: number,
  id: number,
  params: ArrayLike<number>,
  byteLengths: number[],
): { buffer: ArrayBuffer; offsets: number[] } {
  const head = pad8(16 + 4 * byteLengths.length);
  let size = head + 8 * params.length;
  for (const n of byteLengths) size += pad8(n);
  const buffer = new ArrayBuffer(size);
  const words = new DataView(buffer);
  words.setUint32(0, op, true);
  words.setUint32(ID_AT, id, true);
  words.setUint32(8, params.length, true);
  words.setUint32(12, byteLengths.length, true);
  byteLengths.forEach((n, i) => words.setUint32(16 + 4 * i, n, true));
  new Float64Array(buffer, head, params.length).set(params);
  const offsets: number[] = [];
  let at = head + 8 * params.length;
  for (const n of byteLengths) {
    offsets.push(at);
    at += pad8(n);
  }
  return { buffer, offsets };
}

export function decodeMessage(buffer: ArrayBuffer): HostMessage {
  const words = new DataView(buffer);
  const paramCount = words.getUint32(8, true);
  const payloadCount = words.getUint32(12, true);
  const head = pad8(16 + 4 * payloadCount);
  const payloads: Uint8Array[] = [];
  let at = head + 8 * paramCount;
  for (let i = 0; i < payloadCount; i++) {
    const length = words.getUint32(16 + 4 * i, true);
    payloads.push(new Uint8Array(buffer, at, length));
    at += pad8(length);
  }
  return {
    op: words.getUint32(0, true),
    id: words.getUint32(4, true),
    params: new Float64Array(buffer, head, paramCount),
    payloads,
  };
}

/** A float32 payload (payloads start on 8-byte boundaries). */
export const float32Payload = (p: Uint8Array): Float32Array =>
  new Float32Array(p.buffer, p.byteOffset, p.byteLength / 4);

export const textPayload = (p: Uint8Array): string => new TextDecoder().decode(p);
