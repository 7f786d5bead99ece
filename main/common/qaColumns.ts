import type { ProductQa } from './productQa.js';

/**
 * The columns of a QA listing, one definition for `aia-studio qa` (table and CSV) and the QA view, so
 * the two show the same numbers rounded the same way. Pure: no Node, no DOM.
 */

/** One product as a QA listing holds it: its file, its QA, or why it could not be judged. */
export interface QaListingRow {
  file: string;
  qa?: ProductQa;
  error?: string;
}

export type QaCell = string | number | undefined;

export interface QaColumn {
  name: string;
  /** Shown in the short listing (the CLI's table, the QA view); the CSV has every column. */
  brief?: boolean;
  value: (r: QaListingRow) => QaCell;
}

const fixed = (x: number | undefined, digits: number) =>
  x === undefined ? undefined : Number(x.toFixed(digits));
const precise = (x: number | undefined) => (x === undefined ? undefined : Number(x.toPrecision(4)));

/** A product's flags as one cell: `metric: reason` joined by '; ', empty when clean. */
export const flagsText = (qa: ProductQa | undefined): string =>
  qa?.flags.map((f) => `${f.metric}: ${f.reason}`).join('; ') ?? '';

/** The CSV columns, in order. */
export const QA_COLUMNS: QaColumn[] = [
  { name: 'file', brief: true, value: (r) => r.file },
  { name: 'channel', brief: true, value: (r) => r.qa?.channel },
  { name: 'level', brief: true, value: (r) => r.qa?.level },
  { name: 't_obs', brief: true, value: (r) => r.qa?.tObs },
  { name: 'exptime_s', value: (r) => r.qa?.exposure.seconds },
  { name: 'exposure_ratio', brief: true, value: (r) => fixed(r.qa?.exposure.ratio, 3) },
  { name: 'quality', brief: true, value: (r) => r.qa?.quality?.value },
  { name: 'quality_words', value: (r) => r.qa?.quality?.words.join(', ') },
  { name: 'missing_product', value: (r) => precise(r.qa?.missing.product) },
  { name: 'missing_disk_level1', brief: true, value: (r) => precise(r.qa?.missing.level1Disk) },
  { name: 'missing_disk_product', value: (r) => precise(r.qa?.missing.productDisk) },
  { name: 'missing_level1', value: (r) => precise(r.qa?.missing.level1) },
  { name: 'missvals_share', value: (r) => precise(r.qa?.missing.header) },
  { name: 'saturated_pixels', brief: true, value: (r) => r.qa?.saturation.pixels },
  { name: 'bleed_columns', value: (r) => r.qa?.saturation.bleedColumns },
  { name: 'saturation_dn', value: (r) => r.qa?.saturation.thresholdDn },
  { name: 'nsatpix', value: (r) => r.qa?.saturation.headerCount },
  { name: 'pointing_update_arcsec', value: (r) => fixed(r.qa?.pointing.updateShiftArcsec, 2) },
  { name: 'rsun_obs_arcsec', value: (r) => fixed(r.qa?.pointing.rsunObs, 3) },
  { name: 'rsun_expected_arcsec', value: (r) => fixed(r.qa?.pointing.rsunExpected, 3) },
  { name: 'limb_offset_arcsec', brief: true, value: (r) => fixed(r.qa?.pointing.limbOffsetArcsec, 2) },
  { name: 'limb_radius_ratio', value: (r) => fixed(r.qa?.pointing.limbRadiusRatio, 4) },
  { name: 'sharpness', brief: true, value: (r) => precise(r.qa?.sharpness) },
  { name: 'flags', brief: true, value: (r) => flagsText(r.qa) },
  { name: 'error', brief: true, value: (r) => r.error },
];

/** The numeric columns, for a plot of one metric over a series (by CSV name). */
export const QA_NUMERIC_COLUMNS = QA_COLUMNS.filter(
  (c) => !['file', 'channel', 'level', 't_obs', 'quality_words', 'flags', 'error'].includes(c.name),
);
