/**
 * Where a QA metric becomes a flag. One table, documented in docs/qa.md; each flag's reason quotes
 * the measured value against the threshold here.
 */
export const QA_THRESHOLDS = {
  /** Share of the solar disk (level 1 pixels inside RSUN_OBS) without data: ≈ 2 rows across a 4096² disk. */
  diskMissing: 0.001,
  /** Share of the whole level 1 frame without data (JSOC's own QUALITY bit 9 threshold): off-limb gaps too. */
  level1Missing: 0.01,
  /** Level 1 pixels at saturation before the frame is flagged (despiked level 1 has none normally). */
  saturatedPixels: 10,
  /** Columns with a vertical run of saturated pixels (charge bleeding along the CCD columns). */
  bleedColumns: 1,
  /** Consecutive saturated pixels in a column that make it a bleed column. */
  bleedRun: 5,
  /** EXPTIME over the channel's nominal exposure outside this range: AEC shortened it (flare) or a non-synoptic frame. */
  exposureRatio: { min: 0.8, max: 1.2 },
  /** update_pointing moved the Sun centre by more than this (arcsec): the header pointing was badly off. */
  pointingUpdateArcsec: 10,
  /** |RSUN_OBS / (959.63″·AU/DSUN_OBS) − 1|: the radius does not belong to the observer distance. */
  radiusMismatch: 0.002,
  /** Sun centre measured from the product's limb vs the array centre: max(arcsec, pixels). */
  limbOffset: { arcsec: 3, pixels: 1 },
  /** In a series (qa command): sharpness under this share of the median of the same channel and scale. */
  sharpnessShareOfMedian: 0.6,
  /** Products of one channel and scale a series needs before sharpness is judged against its median. */
  sharpnessSeriesMin: 3,
} as const;

/**
 * Level 1 DN at which a pixel counts as saturated when the header gives no DATASAT: the CCD's 14-bit
 * converter tops out at 16383 DN raw; level 1 subtracts the dark pedestal (~100 DN) and divides by
 * the flatfield (within a few %), so a full well reads ≈ 15 500 – 17 000 DN at level 1.
 */
export const LEVEL1_SATURATION_DN = 15000;

/**
 * The nominal (synoptic framelist) exposure per channel, seconds: what the automatic exposure control
 * shortens in flares. 94, 131, 171, 193, 211, 335 and 1600 Å are the EXPTIME of real JSOC level 1
 * headers (shared/data/aia: 2011–2014 frames, within 0.05 % of these); 304 Å (2.9 s) and 1700 Å
 * (1.0 s) from AIA's standard synoptic framelist (Lemen et al. 2012, Sol. Phys. 275, 17). 4500 Å has
 * none: its exposure is not judged.
 */
export const NOMINAL_EXPOSURE_SECONDS: Readonly<Record<number, number>> = {
  94: 2.9,
  131: 2.9,
  171: 2.0,
  193: 2.0,
  211: 2.9,
  304: 2.9,
  335: 2.9,
  1600: 2.9,
  1700: 1.0,
};

/** Solar radius seen from 1 AU, arcsec (JSOC's RSUN_REF = 696 000 km): RSUN_OBS ≈ this·AU/DSUN_OBS. */
export const RSUN_AT_1AU_ARCSEC = 959.63;
export const ASTRONOMICAL_UNIT_M = 149_597_870_700;
