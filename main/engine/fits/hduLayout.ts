/** Where each HDU's header and data lie in a FITS byte buffer, with the checks that make reading safe. */
import { FitsFormatError } from './errors.js';
import type { FitsHeader } from './header.js';
import { BLOCK, leadingText, readHeaderUnit } from './headerUnit.js';

export interface HduLayout {
  index: number;
  /** The header exactly as stored (for a tile-compressed image: the BINTABLE header). */
  header: FitsHeader;
  headerStart: number;
  dataStart: number;
  /** Declared data size in bytes, without the padding to whole blocks. */
  dataLength: number;
}

const BITPIX_VALUES = new Set([8, 16, 32, 64, -32, -64]);

export function requiredInteger(header: FitsHeader, key: string, hduIndex: number): number {
  const v = header.get(key);
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    const found = v === undefined ? 'it is missing' : `found ${JSON.stringify(v)}`;
    throw new FitsFormatError('corrupt', `HDU ${hduIndex} needs an integer ${key} keyword, but ${found}`);
  }
  return v;
}

/** Data bytes declared by the mandatory keywords: |BITPIX|/8 × GCOUNT × (PCOUNT + NAXIS1 × … × NAXISn). */
function declaredDataLength(header: FitsHeader, hduIndex: number): number {
  const bitpix = requiredInteger(header, 'BITPIX', hduIndex);
  if (!BITPIX_VALUES.has(bitpix)) {
    throw new FitsFormatError('corrupt', `HDU ${hduIndex} has BITPIX = ${bitpix}, which FITS does not allow`);
  }
  const naxis = requiredInteger(header, 'NAXIS', hduIndex);
  if (naxis < 0 || naxis > 999) throw new FitsFormatError('corrupt', `HDU ${hduIndex} has NAXIS = ${naxis}`);
  if (naxis === 0) return 0;
  const randomGroups = hduIndex === 0 && header.get('GROUPS') === true && header.get('NAXIS1') === 0;
  let elements = 1;
  for (let k = 1; k <= naxis; k++) {
    const n = requiredInteger(header, `NAXIS${k}`, hduIndex);
    if (n < 0) throw new FitsFormatError('corrupt', `HDU ${hduIndex} has NAXIS${k} = ${n}`);
    if (!(randomGroups && k === 1)) elements *= n;
  }
  const pcount = header.number('PCOUNT') ?? 0;
  const gcount = header.number('GCOUNT') ?? 1;
  if (pcount < 0 || gcount < 0) {
    throw new FitsFormatError('corrupt', `HDU ${hduIndex} has PCOUNT = ${pcount}, GCOUNT = ${gcount}`);
  }
  return (Math.abs(bitpix) / 8) * gcount * (pcount + elements);
}

function notFitsMessage(bytes: Uint8Array): string {
  const head = leadingText(bytes, 512);
  let hint = '';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b)
    hint = ' (it is gzip-compressed: decompress the .fits.gz first)';
  else if (/^\s*</.test(head) && /<(!doctype|html|head|body|\?xml)/i.test(head)) {
    hint = ' (it looks like an HTML/XML page, perhaps an error page saved in place of the download)';
  } else if (/^\s*[{[]/.test(head)) hint = ' (it looks like JSON text)';
  return `not a FITS file: does not start with SIMPLE${hint}`;
}

/** Checks the first bytes; throws 'empty', 'not-fits' or 'truncated' for buffers that cannot be FITS. */
export function checkSignature(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new FitsFormatError('empty', 'the file is empty (0 bytes)');
  if (!leadingText(bytes, 9).startsWith('SIMPLE  ='))
    throw new FitsFormatError('not-fits', notFitsMessage(bytes));
  if (bytes.length < BLOCK) {
    throw new FitsFormatError(
      'truncated',
      `file is truncated: ${bytes.length} bytes, shorter than one ${BLOCK}-byte FITS header block`,
    );
  }
}

/** Every HDU in order. Bytes after the last HDU that do not start with XTENSION are ignored, as astropy does. */
export function* iterateHdus(bytes: Uint8Array): Generator<HduLayout> {
  checkSignature(bytes);
  let start = 0;
  for (let index = 0; ; index++) {
    const { header, dataStart } = readHeaderUnit(bytes, start, index);
    const dataLength = declaredDataLength(header, index);
    const remaining = bytes.length - dataStart;
    if (dataLength > remaining) {
      const blocks = Math.ceil(dataLength / BLOCK);
      throw new FitsFormatError(
        'truncated',
        `file is truncated: HDU ${index} declares ${dataLength} bytes of data (${blocks} blocks of ${BLOCK}) ` +
          `but only ${remaining} remain`,
      );
    }
    yield { index, header, headerStart: start, dataStart, dataLength };
    start = dataStart + Math.ceil(dataLength / BLOCK) * BLOCK;
    if (start >= bytes.length || !leadingTextAt(bytes, start).startsWith('XTENSION')) return;
  }
}

function leadingTextAt(bytes: Uint8Array, start: number): string {
  return leadingText(bytes.subarray(start), 8);
}
