/**
 * A product's quality-assurance record (docs/qa.md): measured by the engine while the product is made
 * (main/engine/qa), carried on the job by the contract, shown by the UI. Types only.
 */

export type QaMetric =
  'missing' | 'saturation' | 'exposure' | 'quality' | 'pointing' | 'radius' | 'limb' | 'sharpness';

/** One reason a product deserves a look, in words. */
export interface QaFlag {
  metric: QaMetric;
  reason: string;
}

/** The quality of one level 1.5/1.6 product: its metrics and the flags they raise. */
export interface ProductQa {
  channel?: number;
  level?: number;
  tObs?: string;
  /** CDELT1 of the product [arcsec/px]: products are compared for sharpness only at one scale. */
  scale?: number;
  missing: {
    /** Share of the product's pixels without data. */
    product: number;
    /** Share of the level 1 pixels without data, and of those on the solar disk (undefined: not recorded). */
    level1?: number;
    level1Disk?: number;
    /** Share of the disk without data in the product (sampled rows). */
    productDisk: number;
    /** JSOC's level 1 MISSVALS / TOTVALS. */
    header?: number;
  };
  saturation: { thresholdDn: number; pixels?: number; bleedColumns?: number; headerCount?: number };
  exposure: { seconds?: number; nominalSeconds?: number; ratio?: number };
  quality?: { value: number; words: string[] };
  pointing: {
    /** How far update_pointing moved the Sun centre (only when a master pointing table was applied). */
    updateShiftArcsec?: number;
    rsunObs?: number;
    rsunExpected?: number;
    /** Sun centre from the product's limb vs the array centre. */
    limbOffsetArcsec?: number;
    limbOffsetPixels?: number;
    limbRadiusRatio?: number;
  };
  sharpness?: number;
  flags: QaFlag[];
}
