const UNITS = ['kB', 'MB', 'GB', 'TB'];

/** One decimal below 100 ("1.5 kB", "27.3 MB"), whole numbers from there ("164 MB"). */
const figures = (value: number): string => (value < 99.95 ? value.toFixed(1) : value.toFixed(0));

/**
 * A file's size in decimal units, as file managers show it: whole bytes below 1 kB (a 27-byte file is
 * "27 B", not "1 kB"), then kB, MB, GB, TB.
 */
export function formatFileSize(bytes: number | undefined): string {
  if (bytes === undefined || !(bytes >= 0)) return '';
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let value = bytes / 1000;
  let unit = 0;
  // Rounded before it is compared, so 999 960 bytes reads "1.0 MB", never "1000 kB".
  while (unit < UNITS.length - 1 && Number(figures(value)) >= 1000) {
    value /= 1000;
    unit++;
  }
  return `${figures(value)} ${UNITS[unit]}`;
}
