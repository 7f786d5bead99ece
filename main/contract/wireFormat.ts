/**
 * A binary message of the local server: [u32 little-endian header length][header JSON][float32 pixels].
 * The header is padded with spaces so the pixels start on a 4-byte boundary and the receiver can view
 * them as a Float32Array without copying. Pixels are little-endian, as on every platform Electron runs.
 */
export function encodeBinaryFrame(header: object, pixels: Float32Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil((4 + json.length) / 4) * 4 - 4;
  const frame = new Uint8Array(4 + headerLength + pixels.byteLength);
  new DataView(frame.buffer).setUint32(0, headerLength, true);
  frame.fill(0x20, 4, 4 + headerLength);
  frame.set(json, 4);
  frame.set(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), 4 + headerLength);
  return frame;
}

export function decodeBinaryFrame<H>(bytes: ArrayBuffer | Uint8Array): { header: H; pixels: Float32Array } {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const headerLength = new DataView(view.buffer, view.byteOffset, view.byteLength).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(view.subarray(4, 4 + headerLength))) as H;
  const start = view.byteOffset + 4 + headerLength;
  const count = (view.byteLength - 4 - headerLength) / 4;
  // A view when aligned (always, for frames we make); a copy otherwise.
  const pixels =
    start % 4 === 0
      ? new Float32Array(view.buffer, start, count)
      : new Float32Array(view.slice(4 + headerLength).buffer);
  return { header, pixels };
}
