import { describe, expect, it } from 'vitest';
import { readGeometry } from '../../main/engine/aia/wcs.js';
import { CpuBackend } from '../../main/engine/compute/cpu/cpuBackend.js';
import { FitsHeader, readFitsImageFile, type FitsImage } from '../../main/engine/fits/index.js';
import { physicalPixels } from '../../main/engine/pipeline/physicalPixels.js';
import { measureDisk } from '../../main/engine/qa/limbMeasure.js';
import { scanLevel1 } from '../../main/engine/qa/level1Scan.js';
import {
  decodeQuality,
  flagSeries,
  listLevel1InLayout,
  measureLevel1,
  productQa,
  qaFlags,
  type ProductQa,
  type QaMetric,
} from '../../main/engine/qa/index.js';
import { registerToLevel15 } from '../../main/engine/register/registerToLevel15.js';
import { sharedData } from '../helpers/paths.js';

/** A textured disk of `radius` px centred at (cx, cy) with a 1 px soft edge, on a faint background. */
function sun(size: number, cx: number, cy: number, radius: number): Float64Array {
  const data = new Float64Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - cx, y - cy);
      const edge = Math.min(1, Math.max(0, radius - r + 0.5));
      const texture = 1 + 0.3 * Math.sin(x * 1.7) * Math.cos(y * 2.3);
      data[y * size + x] = 5 + 1000 * edge * texture;
    }
  return data;
}

function boxBlur(data: Float64Array, size: number, half: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = -half; dy <= half; dy++)
        for (let dx = -half; dx <= half; dx++) {
          const xx = Math.min(size - 1, Math.max(0, x + dx));
          const yy = Math.min(size - 1, Math.max(0, y + dy));
          sum += data[yy * size + xx];
          n++;
        }
      out[y * size + x] = sum / n;
    }
  return out;
}

function int16Image(width: number, height: number, raw: Int16Array): FitsImage {
  return {
    hduIndex: 0,
    header: new FitsHeader(),
    width,
    height,
    bitpix: 16,
    raw,
    bscale: 1,
    bzero: 0,
    blank: -32768,
  };
}

describe('QUALITY word', () => {
  it('is empty when nominal and names each set bit as JSOC documents it', () => {
    expect(decodeQuality(0)).toEqual({ value: 0, words: [], flagging: [] });
    expect(decodeQuality(1 << 17).flagging).toEqual(['ISS loop open (AISTATE)']);
  });

  it('shows the missing-data bits but lets the measured missing share decide (the real 1600 Å frame)', () => {
    const q = decodeQuality(2363136); // 0x240F00
    expect(q.words).toEqual([
      'MISSVALS nonzero',
      'MISSVALS over 1% of TOTVALS',
      'MISSVALS over 5% of TOTVALS',
      'MISSVALS over 25% of TOTVALS',
      'calibration image',
      'register flag set',
    ]);
    expect(q.flagging).toEqual(['calibration image']);
  });

  it('reads bit 31 of the signed header integer', () => {
    expect(decodeQuality(-2147483648).flagging).toEqual(['image not available']);
    expect(decodeQuality(1 << 26).words).toEqual(['bit 26']);
  });
});

describe('level 1 scan', () => {
  it('counts missing pixels on and off the disk, saturated pixels and bleed columns', () => {
    const size = 64;
    const raw = new Int16Array(size * size).fill(100);
    raw[32 * size + 32] = -32768; // on the disk
    raw[1 * size + 1] = -32768; // off the disk
    for (let y = 20; y < 27; y++) raw[y * size + 40] = 16000; // a bleed column (7 in a row)
    raw[10 * size + 30] = 15500; // one saturated pixel alone
    const scan = scanLevel1(int16Image(size, size, raw), { x: 31.5, y: 31.5, radius: 20 }, 15000);
    expect(scan.missingPixels).toBe(2);
    expect(scan.diskMissingPixels).toBe(1);
    expect(scan.diskPixels).toBeGreaterThan(Math.PI * 19.5 * 19.5);
    expect(scan.diskPixels).toBeLessThan(Math.PI * 20.5 * 20.5);
    expect(scan.saturatedPixels).toBe(8);
    expect(scan.bleedColumns).toBe(1);
  });

  it('applies BSCALE before comparing with the saturation level', () => {
    const raw = new Int16Array(16).fill(8000);
    const image = { ...int16Image(4, 4, raw), bscale: 2 };
    expect(scanLevel1(image, { x: 1.5, y: 1.5, radius: 1 }, 15000).saturatedPixels).toBe(16);
  });
});

describe("level 1 scan from register's layout", () => {
  /** The scan from the lists of the layout of a default-mode level 1.5 product, and the pass's. */
  async function bothScans(image: FitsImage, exposure: number) {
    const pixels = physicalPixels(image, 'default', exposure);
    listLevel1InLayout(pixels, image, image.header);
    const backend = new CpuBackend({ threads: 2 });
    const options = { mode: 'default', interpolation: 'spline3', outputType: 'float32' } as const;
    const geometry = readGeometry(image.header);
    const registered = await registerToLevel15(pixels, image.width, image.height, geometry, options, backend);
    return { listed: registered.level1, fromLayout: measureLevel1(image, image.header, registered.level1) };
  }

  it('equals the pass over a 4096² int16 frame with gaps (bands of rows too), saturation and a bleed column across the thread bands', async () => {
    const image = await readFitsImageFile(
      sharedData('fullres_l1_synthetic/aia_lev1_171a_2014_01_01t00_00_synthetic.fits'),
    );
    const raw = image.raw as Int16Array;
    const w = image.width;
    for (let y = 2040; y < 2060; y++) raw[y * w + 1000] = 16000; // bleeds across the middle row
    for (let y = 100; y < 103; y++) raw[y * w + 4095] = 15000; // at the level: saturated, too short to bleed
    raw[2000 * w + 2001] = 32767;
    raw[4095 * w] = 15999;
    for (let x = 1500; x < 1600; x++) raw[2100 * w + x] = -32768; // a gap on the disk
    for (let y = 2052; y < 2054; y++) raw[y * w + 1000] = -32768; // breaks the run after row 2048
    raw.fill(-32768, 300 * w, 320 * w); // 20 rows missing, off the disk
    raw.fill(-32768, 1800 * w + 37, 1900 * w + 555); // a band across the disk, from and to mid-row
    const pass = measureLevel1(image, image.header);
    expect(pass.saturatedPixels).toBe(18 + 3 + 2);
    expect(pass.bleedColumns).toBe(1);
    expect(pass.diskMissingPixels).toBeGreaterThanOrEqual(100);
    expect(pass.missingPixels).toBeGreaterThan(pass.diskMissingPixels);
    for (const exposure of [1, 2.9]) {
      const { listed, fromLayout } = await bothScans(image, exposure);
      expect(listed).toBeDefined();
      expect(fromLayout).toEqual(pass);
    }
  });

  it('equals the pass over a real int16 cutout with BSCALE 0.5, and is not asked for when blanks stay values', async () => {
    const image = await readFitsImageFile(
      sharedData('cutout_l1/20120606_040731_UTC.0041_aia1600_venus_cutout.fits'),
    );
    const raw = image.raw as Int16Array;
    for (let y = 10; y < 30; y++) raw[y * image.width + 853] = 30000; // 15000 DN: saturated, last column
    raw[5] = -32768;
    const pass = measureLevel1(image, image.header);
    expect(pass.saturatedPixels).toBe(20);
    expect(pass.bleedColumns).toBe(1);
    const { listed, fromLayout } = await bothScans(image, 1);
    expect(listed).toBeDefined();
    expect(fromLayout).toEqual(pass);
    const aiapy = physicalPixels(image, 'aiapy', 1);
    listLevel1InLayout(aiapy, image, image.header);
    expect(aiapy.scaled?.saturatedFrom).toBeUndefined();
  });
});

describe('limb and sharpness', () => {
  const size = 256;
  const radius = 90;

  it('finds a Sun centre that is off the expected one, to a tenth of a pixel', () => {
    const data = sun(size, 127.5 + 3, 127.5 - 2, radius);
    const m = measureDisk(data, size, size, { x: 127.5, y: 127.5 }, radius);
    expect(m.limb!.offsetX).toBeCloseTo(3, 1);
    expect(m.limb!.offsetY).toBeCloseTo(-2, 1);
    expect(m.limb!.radiusRatio).toBeCloseTo(1, 2);
  });

  it('survives a data gap across part of the disk', () => {
    const data = sun(size, 127.5, 127.5, radius);
    data.fill(NaN, 0, 60 * size); // the bottom rows missing, as in the real 1600 Å frame
    const m = measureDisk(data, size, size, { x: 127.5, y: 127.5 }, radius);
    expect(Math.hypot(m.limb!.offsetX, m.limb!.offsetY)).toBeLessThan(0.2);
    expect(m.diskMissing).toBeGreaterThan(0.05);
  });

  it('sums the Laplacian of exactly the finite pixels inside 0.9 R whose neighbours are finite, in row order', () => {
    const [cx, cy, r] = [127.3, 126.8, 90.37];
    const data = sun(size, cx, cy, r);
    data.fill(NaN, 100 * size + 90, 100 * size + 97); // a hole inside 0.9 R
    data[140 * size + 120] = Infinity; // and one sample overflowed
    data[127 * size + 213] = NaN; // one missing between 0.9 R and R
    for (const samples of [data, Float32Array.from(data)]) {
      let [squares, sum, used, disk, missing] = [0, 0, 0, 0, 0];
      for (let y = 1; y < size - 1; y++)
        for (let x = 1; x < size - 1; x++) {
          const d2 = (x - cx) ** 2 + (y - cy) ** 2;
          if (d2 > r * r) continue;
          disk++;
          const v = samples[y * size + x];
          if (!Number.isFinite(v)) missing++;
          const at = y * size + x;
          const lap = 4 * v - samples[at - 1] - samples[at + 1] - samples[at - size] - samples[at + size];
          if (d2 > 0.81 * r * r || !Number.isFinite(lap)) continue;
          squares += lap * lap;
          sum += v;
          used++;
        }
      const m = measureDisk(samples, size, size, { x: cx, y: cy }, r);
      expect(m.sharpness).toBe(Math.sqrt(squares / used) / (sum / used));
      expect(m.diskMissing).toBe(missing / disk);
      expect(missing).toBe(9);
    }
  });

  it('falls when the frame is blurred', () => {
    const sharp = sun(size, 127.5, 127.5, radius);
    const a = measureDisk(sharp, size, size, { x: 127.5, y: 127.5 }, radius).sharpness!;
    const b = measureDisk(boxBlur(sharp, size, 1), size, size, { x: 127.5, y: 127.5 }, radius).sharpness!;
    expect(b).toBeLessThan(0.5 * a);
  });
});

/** A clean product's QA, to alter one metric at a time. */
function cleanQa(): ProductQa {
  return {
    channel: 171,
    level: 1.5,
    missing: { product: 0.001, level1: 0, level1Disk: 0, productDisk: 0 },
    saturation: { thresholdDn: 15000, pixels: 0, bleedColumns: 0 },
    exposure: { seconds: 2, nominalSeconds: 2, ratio: 1 },
    quality: { value: 0, words: [] },
    pointing: { rsunObs: 971.8, rsunExpected: 971.8, limbOffsetArcsec: 0.3, limbOffsetPixels: 0.5 },
    sharpness: 1,
    flags: [],
  };
}

describe('flags', () => {
  it('none for a clean product', () => expect(qaFlags(cleanQa())).toEqual([]));

  type Alteration = [QaMetric, (q: ProductQa) => unknown, RegExp];
  it.each<Alteration>([
    ['missing', (q: ProductQa) => (q.missing.level1Disk = 0.002), /0\.200 % of the solar disk/],
    ['saturation', (q: ProductQa) => (q.saturation.bleedColumns = 1), /columns bleeding charge/],
    [
      'exposure',
      (q: ProductQa) => (q.exposure = { seconds: 1, nominalSeconds: 2, ratio: 0.5 }),
      /0\.50× the 171 Å nominal/,
    ],
    ['quality', (q: ProductQa) => (q.quality = { value: 1 << 13, words: [] }), /eclipse/],
    [
      'radius',
      (q: ProductQa) => (q.pointing.rsunExpected = 960),
      /RSUN_OBS 971\.80″ but DSUN_OBS gives 960\.00″/,
    ],
    [
      'limb',
      (q: ProductQa) => Object.assign(q.pointing, { limbOffsetArcsec: 6, limbOffsetPixels: 10 }),
      /mis-registered/,
    ],
    ['pointing', (q: ProductQa) => (q.pointing.updateShiftArcsec = 12), /moved the Sun centre by 12\.0″/],
  ])('%s, with the reason in words', (metric, alter, reason) => {
    const qa = cleanQa();
    alter(qa);
    const flags = qaFlags(qa);
    expect(flags.map((f) => f.metric)).toEqual([metric]);
    expect(flags[0].reason).toMatch(reason);
  });

  it('a limb offset under one pixel is not a flag, however many arcsec that pixel is', () => {
    const qa = cleanQa();
    Object.assign(qa.pointing, { limbOffsetArcsec: 6, limbOffsetPixels: 0.3 });
    expect(qaFlags(qa)).toEqual([]);
  });

  it('a series flags the blurred frame against the median of its channel and scale', () => {
    const products = [1, 1.1, 0.9, 0.4].map((sharpness): ProductQa => ({
      ...cleanQa(),
      sharpness,
      scale: 0.6,
    }));
    products.push({ ...cleanQa(), channel: 193, sharpness: 0.1, scale: 0.6 });
    products.push({ ...cleanQa(), sharpness: 0.1, scale: 19.2 });
    flagSeries(products);
    expect(products.map((p) => p.flags.map((f) => f.metric))).toEqual([[], [], [], ['sharpness'], [], []]);
  });
});

describe('productQa', () => {
  it('reads the level 1 facts from the QA_* keywords and the rest from the header and pixels', () => {
    const size = 256;
    const header = new FitsHeader();
    for (const [k, v] of Object.entries({
      WAVELNTH: 171,
      LVL_NUM: 1.5,
      CRPIX1: 128.5,
      CRPIX2: 128.5,
      CDELT1: 10,
    }))
      header.set(k, v);
    header.set('RSUN_OBS', 900, undefined, { isFloat: true });
    header.set('DSUN_OBS', (959.63 * 149_597_870_700) / 900, undefined, { isFloat: true });
    header.set('EXPTIME', 2.9, undefined, { isFloat: true });
    header.set('QA_EXPT', 1.0, undefined, { isFloat: true });
    header.set('QA_NPIX', 1000);
    header.set('QA_MISS', 0);
    header.set('QA_NDISK', 500);
    header.set('QA_DMISS', 0);
    header.set('QA_NSAT', 0);
    header.set('QA_BLEED', 0);
    const qa = productQa(header, sun(size, 127.5, 127.5, 90), size, size, 0);
    expect(qa.exposure).toEqual({ seconds: 1, nominalSeconds: 2, ratio: 0.5 });
    expect(qa.pointing.rsunExpected).toBeCloseTo(900, 9);
    expect(qa.pointing.limbOffsetPixels).toBeLessThan(0.1);
    expect(qa.flags.map((f) => f.metric)).toEqual(['exposure']);
  });
});
