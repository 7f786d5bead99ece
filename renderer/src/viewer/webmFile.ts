import { concatBytes } from '../../../main/common/concatBytes.js';

/**
 * WebM (Matroska's EBML element tree) as AIA Studio writes movies: `webmFile` muxes encoded VP8/VP9
 * frames with their exact times and the duration (WebCodecs encodes; browsers have no muxer), and
 * `webmTimeline` reads a file's duration and frame times back. Pure bytes, no DOM.
 */

export const EBML_ID = {
  ebml: 0x1a45dfa3,
  segment: 0x18538067,
  tracks: 0x1654ae6b,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  duration: 0x4489,
  cluster: 0x1f43b675,
  clusterTimecode: 0xe7,
  simpleBlock: 0xa3,
} as const;

/** One EBML element: its id, where its payload starts and ends, and how its size was written. */
export interface EbmlElement {
  id: number;
  /** Offset of the element's first byte (its id). */
  start: number;
  /** Offset of the size field and its width in bytes. */
  sizeAt: number;
  sizeWidth: number;
  dataStart: number;
  /** End of the payload; for an unknown size (a live stream's segment or cluster), the parent's end. */
  dataEnd: number;
  unknownSize: boolean;
}

/** Elements that sit directly in the segment: where an unknown-size cluster ends. */
const SEGMENT_LEVEL = new Set([
  EBML_ID.cluster,
  EBML_ID.info,
  EBML_ID.tracks,
  0x1c53bb6b, // Cues
  0x114d9b74, // SeekHead
  0x1254c367, // Tags
]);

function vintWidth(first: number, at: number): number {
  for (let w = 1; w <= 8; w++) if (first & (0x100 >> w)) return w;
  throw new Error(`not a WebM file: bad EBML number at byte ${at}`);
}

/** An element's id and size field at `at`; size undefined when written as unknown (all ones). */
function header(bytes: Uint8Array, at: number) {
  const idWidth = vintWidth(bytes[at], at);
  let id = 0;
  for (let i = 0; i < idWidth; i++) id = id * 256 + bytes[at + i];
  const sizeAt = at + idWidth;
  const sizeWidth = vintWidth(bytes[sizeAt], sizeAt);
  let size = bytes[sizeAt] & (0xff >> sizeWidth);
  let allOnes = size === 0xff >> sizeWidth;
  for (let i = 1; i < sizeWidth; i++) {
    size = size * 256 + bytes[sizeAt + i];
    allOnes &&= bytes[sizeAt + i] === 0xff;
  }
  if (sizeAt + sizeWidth > bytes.length) throw new Error(`not a WebM file: cut off at byte ${at}`);
  return { id, sizeAt, sizeWidth, dataStart: sizeAt + sizeWidth, size: allOnes ? undefined : size };
}

/**
 * The elements from `start` to `end`, in order (children of one parent). A live stream writes its
 * segment and clusters with unknown size: the segment runs to the end, a cluster to the next element
 * of the segment's level.
 */
export function ebmlChildren(bytes: Uint8Array, start = 0, end = bytes.length): EbmlElement[] {
  const out: EbmlElement[] = [];
  let at = start;
  while (at < end) {
    const h = header(bytes, at);
    let dataEnd = h.size === undefined ? h.dataStart : Math.min(end, h.dataStart + h.size);
    if (h.size === undefined && h.id === EBML_ID.segment) dataEnd = end;
    else if (h.size === undefined)
      while (dataEnd < end) {
        const child = header(bytes, dataEnd);
        if (SEGMENT_LEVEL.has(child.id) || child.size === undefined) break;
        dataEnd = Math.min(end, child.dataStart + child.size);
      }
    out.push({ ...h, start: at, dataEnd, unknownSize: h.size === undefined });
    at = dataEnd;
  }
  return out;
}

/** What a WebM holds: its Duration (ms, when written) and each video block's time (ms). */
export function webmTimeline(bytes: Uint8Array): { durationMs?: number; blockMs: number[] } {
  const segment = ebmlChildren(bytes).find((e) => e.id === EBML_ID.segment);
  if (!segment) throw new Error('not a WebM file: no segment');
  let nsPerTick = 1_000_000;
  let durationTicks: number | undefined;
  const blockMs: number[] = [];
  for (const e of ebmlChildren(bytes, segment.dataStart, segment.dataEnd)) {
    if (e.id === EBML_ID.info)
      for (const f of ebmlChildren(bytes, e.dataStart, e.dataEnd)) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + f.dataStart, f.dataEnd - f.dataStart);
        if (f.id === EBML_ID.timecodeScale) nsPerTick = unsigned(bytes, f);
        if (f.id === EBML_ID.duration)
          durationTicks = view.byteLength === 4 ? view.getFloat32(0) : view.getFloat64(0);
      }
    if (e.id !== EBML_ID.cluster) continue;
    let clusterTicks = 0;
    for (const f of ebmlChildren(bytes, e.dataStart, e.dataEnd)) {
      if (f.id === EBML_ID.clusterTimecode) clusterTicks = unsigned(bytes, f);
      if (f.id !== EBML_ID.simpleBlock) continue;
      // track number (an EBML number), then the block's time relative to its cluster (int16)
      const trackWidth = vintWidth(bytes[f.dataStart], f.dataStart);
      const relative = new DataView(bytes.buffer, bytes.byteOffset + f.dataStart + trackWidth, 2).getInt16(0);
      blockMs.push(((clusterTicks + relative) * nsPerTick) / 1e6);
    }
  }
  const durationMs = durationTicks === undefined ? undefined : (durationTicks * nsPerTick) / 1e6;
  return { durationMs, blockMs };
}

function unsigned(bytes: Uint8Array, e: EbmlElement): number {
  let v = 0;
  for (let i = e.dataStart; i < e.dataEnd; i++) v = v * 256 + bytes[i];
  return v;
}

/** One encoded frame: its bytes, its time from the start (ms) and whether it is a key frame. */
export interface WebmFrame {
  data: Uint8Array;
  ms: number;
  key: boolean;
}

const bytesOf = (value: number, width: number): number[] =>
  Array.from({ length: width }, (_, i) => Math.floor(value / 256 ** (width - 1 - i)) % 256);
const idBytes = (id: number): number[] => bytesOf(id, Math.max(1, Math.ceil(Math.log2(id + 1) / 8)));

/** An element: id, size (always the 8-byte form, valid anywhere), payload. */
function element(id: number, ...payload: (Uint8Array | number[])[]): Uint8Array {
  const size = payload.reduce((n, p) => n + p.length, 0);
  return concatBytes([idBytes(id), [0x01, ...bytesOf(size, 7)], ...payload]);
}
const uint = (id: number, value: number) =>
  element(id, bytesOf(value, Math.max(1, Math.ceil(Math.log2(value + 1) / 8))));
const text = (id: number, value: string) =>
  element(
    id,
    [...value].map((c) => c.charCodeAt(0)),
  );
function float(id: number, value: number): Uint8Array {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setFloat64(0, value);
  return element(id, payload);
}

/** A cluster's block times are 16-bit offsets (ms) from the cluster's own: a new cluster before they overflow. */
const CLUSTER_SPAN_MS = 30_000;

/**
 * A WebM file of one video track: `codec` 'V_VP8' or 'V_VP9', the frames in order (the first a key
 * frame), `durationMs` the whole movie's length. A cluster starts at every key frame.
 */
export function webmFile(
  codec: 'V_VP8' | 'V_VP9',
  width: number,
  height: number,
  frames: readonly WebmFrame[],
  durationMs: number,
): Uint8Array<ArrayBuffer> {
  const header = element(
    EBML_ID.ebml,
    uint(0x4286, 1), // EBMLVersion
    uint(0x42f7, 1), // EBMLReadVersion
    uint(0x42f2, 4), // EBMLMaxIDLength
    uint(0x42f3, 8), // EBMLMaxSizeLength
    text(0x4282, 'webm'), // DocType
    uint(0x4287, 4), // DocTypeVersion
    uint(0x4285, 2), // DocTypeReadVersion
  );
  const info = element(
    EBML_ID.info,
    uint(EBML_ID.timecodeScale, 1_000_000),
    float(EBML_ID.duration, durationMs),
    text(0x4d80, 'AIA Studio'), // MuxingApp
    text(0x5741, 'AIA Studio'), // WritingApp
  );
  const tracks = element(
    EBML_ID.tracks,
    element(
      0xae, // TrackEntry
      uint(0xd7, 1), // TrackNumber
      uint(0x73c5, 1), // TrackUID
      uint(0x83, 1), // TrackType: video
      uint(0x9c, 0), // FlagLacing
      text(0x86, codec), // CodecID
      element(0xe0, uint(0xb0, width), uint(0xba, height)), // Video: PixelWidth, PixelHeight
    ),
  );
  const clusters: Uint8Array[] = [];
  let start = 0;
  let blocks: Uint8Array[] = [];
  const close = () =>
    blocks.length && clusters.push(element(EBML_ID.cluster, uint(EBML_ID.clusterTimecode, start), ...blocks));
  for (const frame of frames) {
    const ms = Math.round(frame.ms);
    if (!blocks.length || frame.key || ms - start > CLUSTER_SPAN_MS) {
      close();
      start = ms;
      blocks = [];
    }
    // track 1 as an EBML number, the time from the cluster's (int16), flags: 0x80 = key frame
    const head = [0x81, ...bytesOf(ms - start, 2), frame.key ? 0x80 : 0];
    blocks.push(element(EBML_ID.simpleBlock, head, frame.data));
  }
  close();
  return concatBytes([header, element(EBML_ID.segment, info, tracks, ...clusters)]);
}
