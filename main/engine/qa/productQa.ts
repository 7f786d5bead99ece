import type { FitsHeader, FitsImage } from '../fits/index.js';
import type { PixelWriter } from '../register/registerToLevel15.js';
import { measureDisk } from './limbMeasure.js';
import {
  level1ScanOf,
  saturatedStoredFrom,
  scanLevel1,
  type Level1Samples,
  type Level1Scan,
} from './level1Scan.js';
import {
  ASTRONOMICAL_UNIT_M,
  LEVEL1_SATURATION_DN,
  NOMINAL_EXPOSURE_SECONDS,
  QA_THRESHOLDS,
  RSUN_AT_1AU_ARCSEC,
} from './qaThresholds.js';
import { decodeQuality } from './qualityWord.js';
import type { ProductQa, QaFlag, QaMetric } from '../../common/productQa.js';

export type { ProductQa, QaFlag, QaMetric } from '../../common/productQa.js';

/*
 * What only the level 1 pixels and header show is measured while the product is made and kept in
 * the product's header, so `aia-studio qa` finds the same numbers later without the level 1 file.
 */
const KEYWORDS = {
  pixels: 'QA_NPIX',
  missing: 'QA_MISS',
  diskPixels: 'QA_NDISK',
  diskMissing: 'QA_DMISS',
  saturationDn: 'QA_SATDN',
  saturated: 'QA_NSAT',
  bleed: 'QA_BLEED',
  exposure: 'QA_EXPT',
  pointingShift: 'QA_PSHFT',
  missvals: 'QA_MISSV',
} as const;

const saturationDnOf = (header: FitsHeader) => header.number('DATASAT') ?? LEVEL1_SATURATION_DN;

/**
 * Asks register's layout of `pixels` to list the samples the level 1 scan counts (holes and saturated
 * samples) when it lays out exactly the samples and blanks the scan reads: then measureLevel1 needs no
 * pass of its own. `header` is the level 1 header (DATASAT).
 */
export function listLevel1InLayout(pixels: PixelWriter, image: FitsImage, header: FitsHeader): void {
  const scaled = pixels.scaled;
  if (!scaled || scaled.raw !== image.raw || scaled.blank !== image.blank) return;
  // finite scaling: only the blank makes a NaN, so the layout's holes are the scan's missing pixels
  if (![scaled.scale, scaled.zero, scaled.divisor].every(Number.isFinite) || scaled.divisor === 0) return;
  scaled.saturatedFrom = saturatedStoredFrom(image, saturationDnOf(header));
}

/**
 * The level 1 measurements: from the samples register's layout listed (listLevel1InLayout) when it
 * listed them, else one pass over the decoded samples. `header` is the level 1 header after
 * update_pointing (the Sun's centre and radius on the level 1 grid).
 */
export function measureLevel1(image: FitsImage, header: FitsHeader, listed?: Level1Samples): Level1Scan {
  const disk = {
    x: (header.number('CRPIX1') ?? NaN) - 1,
    y: (header.number('CRPIX2') ?? NaN) - 1,
    radius: (header.number('RSUN_OBS') ?? NaN) / (header.number('CDELT1') ?? NaN),
  };
  const saturationDn = saturationDnOf(header);
  return listed
    ? level1ScanOf(listed, image.width, image.height, disk, saturationDn)
    : scanLevel1(image, disk, saturationDn);
}

/**
 * The level 1 measurements written into `header` (the level 1 header after update_pointing) as QA_*
 * keywords. `original` is the header as read, before update_pointing edited it.
 */
export function recordLevel1Qa(
  scan: Level1Scan,
  original: FitsHeader,
  header: FitsHeader,
  pointingApplied: boolean,
): void {
  const cdelt = original.number('CDELT1') ?? NaN;
  const { saturationDn } = scan;
  header.set(KEYWORDS.pixels, scan.pixels, 'QA: level 1 pixels');
  header.set(KEYWORDS.missing, scan.missingPixels, 'QA: level 1 pixels without data');
  header.set(KEYWORDS.diskPixels, scan.diskPixels, 'QA: level 1 pixels on the solar disk');
  header.set(KEYWORDS.diskMissing, scan.diskMissingPixels, 'QA: of them without data');
  header.set(KEYWORDS.saturationDn, saturationDn, 'QA: level 1 saturation level [DN]', { isFloat: true });
  header.set(KEYWORDS.saturated, scan.saturatedPixels, 'QA: level 1 pixels at saturation');
  header.set(KEYWORDS.bleed, scan.bleedColumns, 'QA: columns bleeding saturated charge');
  const missvals = ratioOf(original.number('MISSVALS'), original.number('TOTVALS'));
  if (missvals !== undefined)
    header.set(KEYWORDS.missvals, missvals, 'QA: level 1 MISSVALS / TOTVALS', { isFloat: true });
  const exposure = original.number('EXPTIME');
  if (exposure !== undefined)
    header.set(KEYWORDS.exposure, exposure, 'QA: level 1 EXPTIME [s]', { isFloat: true });
  if (pointingApplied) {
    const dx = ((header.number('CRPIX1') ?? NaN) - (original.number('CRPIX1') ?? NaN)) * cdelt;
    const dy = ((header.number('CRPIX2') ?? NaN) - (original.number('CRPIX2') ?? NaN)) * cdelt;
    const shift = Math.hypot(dx, dy);
    if (Number.isFinite(shift))
      header.set(KEYWORDS.pointingShift, shift, 'QA: update_pointing moved Sun centre [arcsec]', {
        isFloat: true,
      });
  }
}

/**
 * The QA of a product from its header (with the QA_* keywords recordLevel1Qa left, when present)
 * and its pixels. The same function runs while the product is made and in `aia-studio qa`.
 */
export function productQa(
  header: FitsHeader,
  data: Float32Array | Float64Array,
  width: number,
  height: number,
  missingPixels: number,
): ProductQa {
  const n = (key: string) => header.number(key);
  const channel = n('WAVELNTH');
  const cdelt = n('CDELT1');
  const rsunObs = n('RSUN_OBS');
  const centre = { x: (n('CRPIX1') ?? (width + 1) / 2) - 1, y: (n('CRPIX2') ?? (height + 1) / 2) - 1 };
  const radius = rsunObs !== undefined && cdelt ? rsunObs / cdelt : undefined;
  const disk = radius ? measureDisk(data, width, height, centre, radius) : undefined;
  const ratio = (part?: number, whole?: number) => (part !== undefined && whole ? part / whole : undefined);

  const dnPerSecond = /DN\/S/i.test(header.string('BUNIT') ?? '');
  const seconds = n(KEYWORDS.exposure) ?? (dnPerSecond ? undefined : n('EXPTIME'));
  const nominalSeconds = channel === undefined ? undefined : NOMINAL_EXPOSURE_SECONDS[channel];
  const dsun = n('DSUN_OBS');
  const quality = n('QUALITY');
  const limb = disk?.limb;
  const limbOffsetPixels = limb ? Math.hypot(limb.offsetX, limb.offsetY) : undefined;

  const qa: ProductQa = {
    channel,
    level: n('LVL_NUM'),
    tObs: header.string('T_OBS') ?? header.string('DATE-OBS'),
    scale: cdelt,
    missing: {
      product: missingPixels / (width * height),
      level1: ratio(n(KEYWORDS.missing), n(KEYWORDS.pixels)),
      level1Disk: ratio(n(KEYWORDS.diskMissing), n(KEYWORDS.diskPixels)),
      productDisk: disk?.diskMissing ?? 0,
      header: n(KEYWORDS.missvals),
    },
    saturation: {
      thresholdDn: n(KEYWORDS.saturationDn) ?? n('DATASAT') ?? LEVEL1_SATURATION_DN,
      pixels: n(KEYWORDS.saturated),
      bleedColumns: n(KEYWORDS.bleed),
      headerCount: n('NSATPIX'),
    },
    exposure: { seconds, nominalSeconds, ratio: ratio(seconds, nominalSeconds) },
    quality: quality === undefined ? undefined : { value: quality, words: decodeQuality(quality).words },
    pointing: {
      updateShiftArcsec: n(KEYWORDS.pointingShift),
      rsunObs,
      rsunExpected: dsun ? (RSUN_AT_1AU_ARCSEC * ASTRONOMICAL_UNIT_M) / dsun : undefined,
      limbOffsetPixels,
      limbOffsetArcsec: limbOffsetPixels !== undefined && cdelt ? limbOffsetPixels * cdelt : undefined,
      limbRadiusRatio: limb?.radiusRatio,
    },
    sharpness: disk?.sharpness,
    flags: [],
  };
  qa.flags = qaFlags(qa);
  return qa;
}

const ratioOf = (part?: number, whole?: number) => (part !== undefined && whole ? part / whole : undefined);

const percent = (x: number) => `${(100 * x).toPrecision(3)} %`;

/** The flags a product's metrics raise against QA_THRESHOLDS, each with its reason. */
export function qaFlags(qa: ProductQa): QaFlag[] {
  const t = QA_THRESHOLDS;
  const flags: QaFlag[] = [];
  const flag = (metric: QaMetric, reason: string) => flags.push({ metric, reason });

  const disk = qa.missing.level1Disk ?? qa.missing.productDisk;
  const frame = qa.missing.level1 ?? 0;
  if (disk > t.diskMissing || frame > t.level1Missing) {
    const missvals = qa.missing.header === undefined ? '' : ` (MISSVALS ${percent(qa.missing.header)})`;
    flag(
      'missing',
      `${percent(disk)} of the solar disk and ${percent(frame)} of the level 1 frame${missvals} have no data ` +
        `(limits ${percent(t.diskMissing)} of the disk, ${percent(t.level1Missing)} of the frame)`,
    );
  }
  const { pixels, bleedColumns, thresholdDn } = qa.saturation;
  if ((pixels ?? 0) >= t.saturatedPixels || (bleedColumns ?? 0) >= t.bleedColumns)
    flag(
      'saturation',
      `${pixels} level 1 pixels at saturation (≥ ${thresholdDn} DN), ${bleedColumns} columns bleeding charge`,
    );
  const { seconds, nominalSeconds, ratio } = qa.exposure;
  if (ratio !== undefined && (ratio < t.exposureRatio.min || ratio > t.exposureRatio.max))
    flag(
      'exposure',
      `EXPTIME ${seconds!.toPrecision(4)} s is ${ratio.toFixed(2)}× the ${qa.channel} Å nominal ${nominalSeconds} s` +
        (ratio < 1 ? ' (shortened: automatic exposure control in a flare, or a non-synoptic frame)' : ''),
    );
  if (qa.quality) {
    const flagging = decodeQuality(qa.quality.value).flagging;
    if (flagging.length > 0) flag('quality', `QUALITY ${qa.quality.value}: ${flagging.join(', ')}`);
  }
  const shift = qa.pointing.updateShiftArcsec;
  if (shift !== undefined && shift > t.pointingUpdateArcsec)
    flag(
      'pointing',
      `update_pointing moved the Sun centre by ${shift.toFixed(1)}″ (limit ${t.pointingUpdateArcsec}″)`,
    );
  const { rsunObs, rsunExpected } = qa.pointing;
  if (
    rsunObs !== undefined &&
    rsunExpected !== undefined &&
    Math.abs(rsunObs / rsunExpected - 1) > t.radiusMismatch
  )
    flag(
      'radius',
      `RSUN_OBS ${rsunObs.toFixed(2)}″ but DSUN_OBS gives ${rsunExpected.toFixed(2)}″ ` +
        `(${percent(rsunObs / rsunExpected - 1)}, limit ${percent(t.radiusMismatch)})`,
    );
  const { limbOffsetArcsec, limbOffsetPixels } = qa.pointing;
  if (limbOffsetArcsec !== undefined && limbOffsetPixels !== undefined) {
    if (limbOffsetArcsec > t.limbOffset.arcsec && limbOffsetPixels > t.limbOffset.pixels)
      flag(
        'limb',
        `the limb puts the Sun centre ${limbOffsetArcsec.toFixed(1)}″ (${limbOffsetPixels.toFixed(2)} px) from the ` +
          `array centre (limit ${t.limbOffset.arcsec}″ and ${t.limbOffset.pixels} px): mis-registered`,
      );
  }
  return flags;
}

/**
 * Flags that need the series: a product whose sharpness is well under the median of the products
 * of the same channel, level and scale (a blurred frame). Adds to each product's flags in place.
 */
export function flagSeries(products: readonly ProductQa[]): void {
  const groups = new Map<string, ProductQa[]>();
  for (const qa of products) {
    if (qa.sharpness === undefined) continue;
    const key = `${qa.channel}/${qa.level}/${qa.scale?.toFixed(4)}`;
    groups.set(key, [...(groups.get(key) ?? []), qa]);
  }
  for (const group of groups.values()) {
    if (group.length < QA_THRESHOLDS.sharpnessSeriesMin) continue;
    const sorted = group.map((q) => q.sharpness!).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    for (const qa of group) {
      const share = qa.sharpness! / median;
      if (share < QA_THRESHOLDS.sharpnessShareOfMedian)
        qa.flags.push({
          metric: 'sharpness',
          reason: `sharpness ${qa.sharpness!.toPrecision(3)} is ${share.toFixed(2)}× the series median for ${qa.channel} Å (limit ${QA_THRESHOLDS.sharpnessShareOfMedian}): blurred`,
        });
    }
  }
}
