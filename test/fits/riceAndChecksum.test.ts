/** RICE_1 codec (bit-identical to cfitsio), the checksum convention, and the quantization helpers. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFitsImage } from '../../main/engine/fits/index.js';
import { parseBinTable, readDescriptor } from '../../main/engine/fits/binTable.js';
import {
  addSums,
  encodeChecksum,
  onesComplementSum,
  onesComplementSumOfWords,
} from '../../main/engine/fits/checksum.js';
import { encodeBigEndian } from '../../main/engine/fits/pixels.js';
import { iterateHdus } from '../../main/engine/fits/hduLayout.js';
import { ditherRandoms, estimateNoise, N_RANDOM } from '../../main/engine/fits/quantize.js';
import {
  riceDecode16,
  riceDecode32,
  riceDecode8,
  riceEncode,
  RiceStreamError,
  ricePadding,
  toWords,
} from '../../main/engine/fits/rice.js';
import { sharedData } from '../helpers/paths.js';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function samples(kind: string, n: number, bits: 16 | 32): number[] {
  const r = lcg(n + kind.length);
  const max = bits === 16 ? 32767 : 2147483647;
  const min = -max - 1;
  switch (kind) {
    case 'constant':
      return Array.from({ length: n }, () => 1234);
    case 'noise':
      return Array.from({ length: n }, (_, i) => Math.round(500 + 100 * Math.sin(i / 50) + (r() - 0.5) * 20));
    case 'spiky':
      return Array.from({ length: n }, () => (r() < 0.05 ? Math.round(r() * max) : Math.round(r() * 10)));
    case 'extremes':
      return Array.from({ length: n }, (_, i) => [min, max, 0, -1, min, min, max][i % 7]);
    default:
      return Array.from({ length: n }, () => Math.floor(min + r() * (max - min)));
  }
}

describe('RICE_1 round trips', () => {
  for (const bits of [16, 32] as const) {
    for (const kind of ['constant', 'noise', 'spiky', 'extremes', 'uniform']) {
      for (const [n, block] of [
        [1, 32],
        [31, 32],
        [4096, 32],
        [1000, 16],
      ]) {
        it(`${bits}-bit ${kind}, ${n} pixels, blocks of ${block}`, () => {
          const values =
            bits === 16 ? Int16Array.from(samples(kind, n, 16)) : Int32Array.from(samples(kind, n, 32));
          const encoded = riceEncode(values, block);
          const out = bits === 16 ? new Int16Array(n + 2) : new Int32Array(n + 2);
          if (out instanceof Int16Array) riceDecode16(encoded, 0, encoded.length, out, 1, n, block);
          else riceDecode32(encoded, 0, encoded.length, out, 1, n, block);
          expect(Array.from(out.subarray(1, n + 1))).toEqual(Array.from(values));
          expect([out[0], out[n + 1]]).toEqual([0, 0]);
        });
      }
    }
  }

  it('decodes 8-bit streams (BYTEPIX 1) written by cfitsio', () => {
    // Covered end to end by the astropy fixture rice_uint8.fits; here the stream ending check.
    expect(() => riceDecode8(new Uint8Array([7]), 0, 1, new Uint8Array(4), 0, 4, 32)).toThrow(
      RiceStreamError,
    );
  });

  it('reports a stream that ends before all pixels are decoded', () => {
    const encoded = riceEncode(Int16Array.from(samples('uniform', 500, 16)));
    const out = new Int16Array(500);
    expect(() => riceDecode16(encoded, 0, encoded.length - 40, out, 0, 500, 32)).toThrow(
      'RICE stream ends early',
    );
    expect(() => riceDecode32(new Uint8Array(3), 0, 3, new Int32Array(5), 0, 5, 32)).toThrow(/too short/);
  });

  it('never reads outside its buffer or hangs on garbage', () => {
    const r = lcg(99);
    for (let k = 0; k < 200; k++) {
      const garbage = Uint8Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256));
      const out = new Int32Array(2000);
      try {
        riceDecode32(garbage, 0, garbage.length, out, 0, out.length, 32);
      } catch (e) {
        expect(e).toBeInstanceOf(RiceStreamError);
      }
    }
  });
});

describe('a RICE heap as words', () => {
  it('is the same in memory it reuses as in new memory: the padding a decoder may read is zeroed', () => {
    const heap = readFileSync(sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits'));
    const padding = ricePadding(32);
    const fresh = toWords(heap, 1000, 9000, padding);
    // memory a bigger band left full of its words
    const used = toWords(heap, 0, heap.length, padding);
    const reused = toWords(heap, 1000, 9000, padding, used);
    expect(reused.buffer).toBe(used.buffer);
    expect(Array.from(reused)).toEqual(Array.from(fresh));
    // too short to reuse: new memory
    expect(toWords(heap, 0, 20000, padding, fresh).buffer).not.toBe(fresh.buffer);
  });
});

describe('RICE_1 encoding matches cfitsio byte for byte', () => {
  const files = [
    'cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits',
    'cutout_l1/20120606_040731_UTC.0041_aia1600_venus_cutout.fits',
    'synoptic_l15/AIA20140101_0000_0171.fits',
  ];
  for (const rel of files) {
    it(`re-encodes every tile of ${rel} to the stored bytes`, () => {
      const bytes = new Uint8Array(readFileSync(sharedData(rel)));
      const image = readFitsImage(bytes);
      const table = parseBinTable(bytes, [...iterateHdus(bytes)][1]);
      const raw = image.raw as Int16Array | Int32Array;
      for (let row = 0; row < image.height; row++) {
        const tile = readDescriptor(table, table.columns[0], row);
        const encoded = riceEncode(raw.subarray(row * image.width, (row + 1) * image.width));
        expect(
          Buffer.from(encoded).equals(bytes.subarray(tile.start, tile.start + tile.length)),
          `row ${row}`,
        ).toBe(true);
      }
    });
  }
});

describe('FITS checksums', () => {
  const rel = 'cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits';
  it('agree with the CHECKSUM and DATASUM JSOC wrote', () => {
    const bytes = new Uint8Array(readFileSync(sharedData(rel)));
    const hdu = [...iterateHdus(bytes)][1];
    const end = hdu.dataStart + Math.ceil(hdu.dataLength / 2880) * 2880;
    expect(onesComplementSum(bytes, hdu.headerStart, end)).toBe(0xffffffff);
    const dataSum = onesComplementSum(bytes, hdu.dataStart, end);
    expect(String(dataSum)).toBe(hdu.header.get('DATASUM'));
    // With the CHECKSUM field zeroed, the header + data sum encodes to the CHECKSUM JSOC wrote.
    const header = bytes.slice(hdu.headerStart, hdu.dataStart);
    const text = Buffer.from(header).toString('latin1');
    const at = text.indexOf("CHECKSUM= '") + 11;
    header.set(Buffer.from('0000000000000000', 'latin1'), at);
    expect(encodeChecksum(addSums(onesComplementSum(header), dataSum))).toBe(hdu.header.get('CHECKSUM'));
  });

  it('adds with an end-around carry', () => {
    expect(addSums(0xffffffff, 1)).toBe(1);
    expect(addSums(0x80000000, 0x80000000)).toBe(1);
    expect(onesComplementSum(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2]))).toBe(2);
  });

  it('sums aligned words as it sums bytes at any offset', () => {
    const r = lcg(11);
    // more than one 2^20-word chunk; bytes near 0xff so that carries fold often
    const bytes = new Uint8Array((5 << 20) + 12);
    for (let i = 0; i < bytes.length; i++) bytes[i] = r() < 0.7 ? 0xff - r() * 16 : r() * 256;
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    for (const [start, end, sum] of [
      [0, bytes.length, 0],
      [4, 4 * (1 << 20) + 8, 0x89abcdef],
      [8, 12, 5],
      [0, 0, 7],
    ])
      expect(onesComplementSum(bytes, start, end, sum)).toBe(
        onesComplementSum(shifted, start + 1, end + 1, sum),
      );
    expect(onesComplementSum(new Uint8Array(64))).toBe(0);
    expect(onesComplementSum(new Uint8Array(64).fill(0xff))).toBe(0xffffffff);
    expect(onesComplementSum(Uint8Array.from([0x12, 0x34, 0x56, 0x78]))).toBe(0x12345678);
  });

  it('sums 32- and 64-bit samples from their native words as from their big-endian bytes', () => {
    // 3M words: more than one 2^20-word chunk, and words near 2^32 so that carries fold often.
    const n = 3 << 20;
    const f32 = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? NaN : -Math.exp((i % 50) - 20)));
    const i32 = Int32Array.from({ length: n }, (_, i) => -1 - (i % 1000));
    const f64 = Float64Array.from({ length: n / 2 }, (_, i) => Math.sin(i) * 1e300);
    for (const samples of [f32, i32, f64]) {
      expect(onesComplementSumOfWords(samples)).toBe(onesComplementSum(encodeBigEndian(samples)));
    }
    expect(onesComplementSumOfWords(f32.subarray(5, 9))).toBe(
      onesComplementSum(encodeBigEndian(f32.subarray(5, 9))),
    );
  });
});

describe('quantization helpers', () => {
  it('builds the standard dither table', () => {
    const table = ditherRandoms();
    expect(table).toHaveLength(N_RANDOM);
    expect(table[0]).toBe(Math.fround(16807 / 2147483647));
    expect(table.every((v) => v > 0 && v < 1)).toBe(true);
  });

  it('estimates Gaussian noise from pixel differences', () => {
    const r = lcg(5);
    const values = Float64Array.from({ length: 4096 }, (_, i) => {
      let s = 0;
      for (let k = 0; k < 12; k++) s += r();
      return 1000 + i * 0.01 + 5 * (s - 6);
    });
    const noise = estimateNoise(values, 4096, 1);
    expect(noise.good).toBe(4096);
    for (const n of [noise.noise2, noise.noise3, noise.noise5]) expect(Math.abs(n - 5)).toBeLessThan(0.5);
  });
});
