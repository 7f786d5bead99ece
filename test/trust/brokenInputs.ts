/**
 * A corpus of broken inputs made from the real files: every way a FITS file can be cut short, damaged,
 * lie about its geometry, size or calibration, or not be a file at all. Each case says what a correct
 * tool does with it: fail with a message naming the cause, or make the product the intact file makes.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeFits, readFitsImage } from '../../main/engine/fits/index.js';
import { sharedData } from '../helpers/paths.js';

export const SMALL = sharedData('lowres_l1/sunpy_test_aia_171_level1_128px.fits');
const CUTOUT = sharedData('cutout_l1/sunkit_image_aia_171_cutout_2013-03-10T120011.fits');

const BLOCK = 2880;
const CARD = 80;

export interface BrokenInput {
  /** File name in the corpus folder (cases with `options` in its folder 'normalize'). */
  name: string;
  /**
   * A failure whose message matches this; 'same': a product with the pixels of intact.fits's product;
   * 'ok': a product (of a file that differs from intact.fits in its pixels, such as its int16 copy).
   */
  expect: RegExp | 'same' | 'ok';
  /** Extra process options this case needs (cases with options run in their own batch). */
  options?: string[];
  /** Not a regular file: watch never sees it as an arriving file, so only `process` is asked. */
  special?: boolean;
}

/** The 80-character cards of the header that starts at `start`, up to and including END. */
function cardsAt(bytes: Uint8Array, start: number): { cards: string[]; end: number } {
  const cards: string[] = [];
  for (let at = start; at < bytes.length; at += CARD) {
    const card = Buffer.from(bytes.subarray(at, at + CARD)).toString('latin1');
    cards.push(card);
    if (card.startsWith('END ') || card === 'END'.padEnd(CARD)) {
      return { cards, end: Math.ceil((at + CARD - start) / BLOCK) * BLOCK + start };
    }
  }
  throw new Error('no END');
}

function card(key: string, value: string): string {
  return `${key.padEnd(8)}= ${value.padStart(20)}`.padEnd(CARD);
}

function stringCard(key: string, value: string): string {
  return `${key.padEnd(8)}= '${value.padEnd(8)}'`.padEnd(CARD);
}

function headerBytes(cards: string[]): Uint8Array {
  const text = [...cards, 'END'.padEnd(CARD)].join('');
  return Buffer.from(text.padEnd(Math.ceil(text.length / BLOCK) * BLOCK), 'latin1');
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** The file with one card's value replaced (undefined: the card removed) in the header at `start`. */
export function withCard(source: Uint8Array, key: string, value: string | undefined, start = 0): Uint8Array {
  const out = Uint8Array.from(source);
  const { cards } = cardsAt(source, start);
  const index = cards.findIndex((c) => c.startsWith(`${key.padEnd(8)}=`));
  const replacement = value === undefined ? ' '.repeat(CARD) : card(key, value);
  if (index < 0) throw new Error(`no ${key} card to change`);
  out.set(Buffer.from(replacement, 'latin1'), start + index * CARD);
  return out;
}

/** The metadata cards of the small frame: everything but the structure the writer of a new HDU sets. */
function metadataCards(source: Uint8Array): string[] {
  const structural = /^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|END|BLANK|BSCALE|BZERO|CHECKSUM|DATASUM)\s*(=|$)/;
  return cardsAt(source, 0).cards.filter((c) => !structural.test(c) && c.trim() !== '');
}

/**
 * A GZIP_1 tile-compressed copy of the small frame (one tile per row) whose declared size and tiles can
 * lie: `declare` changes ZNAXISn, `tile` replaces the compressed bytes of every tile.
 */
function gzipTiled(
  source: Uint8Array,
  options: { declare?: [number, number]; tile?: (row: number, rowBytes: Uint8Array) => Uint8Array } = {},
): Uint8Array {
  const image = readFitsImage(source);
  const [width, height] = [image.width, image.height];
  const [zw, zh] = options.declare ?? [width, height];
  const data = image.raw as Float64Array;
  const tiles: Uint8Array[] = [];
  for (let y = 0; y < zh; y++) {
    const row = Buffer.alloc(width * 8);
    for (let x = 0; x < width; x++) row.writeDoubleBE(data[(y % height) * width + x], x * 8);
    tiles.push(options.tile ? options.tile(y, row) : gzipSync(row));
  }
  const table = Buffer.alloc(zh * 8);
  let heap = 0;
  tiles.forEach((t, i) => {
    table.writeInt32BE(t.length, i * 8);
    table.writeInt32BE(heap, i * 8 + 4);
    heap += t.length;
  });
  const longest = Math.max(...tiles.map((t) => t.length));
  const primary = headerBytes([
    card('SIMPLE', 'T'),
    card('BITPIX', '8'),
    card('NAXIS', '0'),
    card('EXTEND', 'T'),
  ]);
  const tableHeader = headerBytes([
    stringCard('XTENSION', 'BINTABLE'),
    card('BITPIX', '8'),
    card('NAXIS', '2'),
    card('NAXIS1', '8'),
    card('NAXIS2', String(zh)),
    card('PCOUNT', String(heap)),
    card('GCOUNT', '1'),
    card('TFIELDS', '1'),
    stringCard('TTYPE1', 'COMPRESSED_DATA'),
    stringCard('TFORM1', `1PB(${longest})`),
    card('ZIMAGE', 'T'),
    card('ZBITPIX', '-64'),
    card('ZNAXIS', '2'),
    card('ZNAXIS1', String(zw)),
    card('ZNAXIS2', String(zh)),
    card('ZTILE1', String(zw)),
    card('ZTILE2', '1'),
    stringCard('ZCMPTYPE', 'GZIP_1'),
    stringCard('ZQUANTIZ', 'NONE'),
    ...metadataCards(source),
  ]);
  return concat([primary, tableHeader, padded(concat([table, ...tiles]))]);
}

/** The small frame as JSOC stores level 1: int16, RICE_1 tile-compressed, with DATASUM. */
function riceCopy(source: Uint8Array): Uint8Array {
  const image = readFitsImage(source);
  const ints = Int16Array.from(image.raw as Float64Array, (v) => Math.round(v));
  return encodeFits(
    { header: image.header, width: image.width, height: image.height, data: ints },
    {
      format: 'rice',
    },
  );
}

/** Where each HDU of a file starts, where its data begin and end, and its table's size (NAXIS1 × NAXIS2). */
function hduStarts(bytes: Uint8Array): Array<{ start: number; data: number; end: number; table: number }> {
  const out: Array<{ start: number; data: number; end: number; table: number }> = [];
  for (let start = 0; start < bytes.length;) {
    const { cards, end } = cardsAt(bytes, start);
    const num = (key: string) => {
      const c = cards.find((x) => x.startsWith(`${key.padEnd(8)}=`));
      return c ? Number(c.slice(10, 30)) : 0;
    };
    const naxis = num('NAXIS');
    let elements = naxis > 0 ? 1 : 0;
    for (let k = 1; k <= naxis; k++) elements *= num(`NAXIS${k}`);
    const length = (Math.abs(num('BITPIX')) / 8) * (elements + num('PCOUNT'));
    out.push({ start, data: end, end: end + length, table: num('NAXIS1') * num('NAXIS2') });
    start = end + Math.ceil(length / BLOCK) * BLOCK;
  }
  return out;
}

function flip(source: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(source);
  out[at] ^= 0x5a;
  return out;
}

const TRUNCATED = /truncated|empty|no END|not a FITS/;
/** A damaged tile or descriptor is named by the decoder; what still decodes fails the checksum. */
const CORRUPT = /checksum|corrupt|truncated|damaged|points outside the heap/;

/**
 * Writes the corpus into `dir` and says what each case must give. FIFOs, devices and loops are made
 * with the real system calls (mkfifo, symlink); folders named .fits are real folders.
 */
export async function writeBrokenInputs(dir: string): Promise<BrokenInput[]> {
  const small = new Uint8Array(await readFile(SMALL));
  const cutout = new Uint8Array(await readFile(CUTOUT));
  const rice = riceCopy(small);
  const cases: BrokenInput[] = [];
  // cases with their own options lie in their own folder, a batch of their own
  await mkdir(join(dir, 'normalize'));
  const add = async (
    name: string,
    bytes: Uint8Array | string,
    expect: BrokenInput['expect'],
    options?: string[],
  ) => {
    await writeFile(join(dir, name), bytes);
    cases.push({ name, expect, ...(options ? { options } : {}) });
  };

  // intact controls: the corpus harness must see these succeed
  await add('intact.fits', small, 'same');
  await add('intact_rice.fits', rice, 'ok');

  // truncations at every structural boundary of the plain, the RICE and the real JSOC file
  const [{ data: smallData }] = hduStarts(small);
  const smallCuts = [
    0,
    1,
    79,
    80,
    2879,
    2880,
    smallData - 1,
    smallData,
    smallData + 1,
    smallData + 65536,
    small.length - 1409,
  ];
  for (const [i, cut] of smallCuts.entries())
    await add(`trunc_plain_${i}_${cut}.fits`, small.subarray(0, cut), TRUNCATED);
  // only the padding of the last block missing: the data are whole, the product must be the intact one's
  await add('trunc_plain_padding_only.fits', small.subarray(0, smallData + 128 * 128 * 8), 'same');
  for (const [label, file] of [
    ['rice', rice],
    ['jsoc', cutout],
  ] as const) {
    const [{ data: firstData }, { start: tableStart, data: tableData }] = hduStarts(file);
    const cuts = [
      firstData,
      tableStart + 80,
      tableData - 1,
      tableData,
      tableData + 8,
      Math.floor((tableData + file.length) / 2),
      file.length - 2881,
    ];
    for (const [i, cut] of cuts.entries())
      await add(`trunc_${label}_${i}_${cut}.fits`, file.subarray(0, cut), TRUNCATED);
  }

  // flipped bytes in tiles and descriptors: the checksum or the tile decoder must notice
  for (const [label, file] of [
    ['rice', rice],
    ['jsoc', cutout],
  ] as const) {
    const [, { data: tableData, table, end }] = hduStarts(file);
    const heap = (f: number) => Math.floor(tableData + table + f * (end - tableData - table));
    const places = [
      tableData + 1,
      tableData + 6,
      tableData + 8 * 10 + 2,
      heap(0.1),
      heap(0.4),
      heap(0.7),
      heap(0.95),
    ];
    for (const [i, at] of places.entries())
      await add(`flip_${label}_${i}_${at}.fits`, flip(file, at), CORRUPT);
  }
  // flipped bytes in the structure of the plain file
  await add('flip_simple.fits', flip(small, 0), /not a FITS/);
  const endCard = cardsAt(small, 0).cards.length - 1;
  await add('flip_end_card.fits', flip(small, endCard * CARD), TRUNCATED);
  await add('bitpix_bad.fits', withCard(small, 'BITPIX', '-65'), /BITPIX/);

  // geometry and calibration keywords no AIA frame can have
  const fatal: Array<[string, string | undefined, RegExp]> = [
    ['CDELT1', '0', /CDELT1 = 0 /],
    ['CDELT1', '1E30', /CDELT1 = 1e\+30/],
    ['CDELT1', '-19.183648', /CDELT1 = -19/],
    ['CDELT1', 'NaN', /CDELT1 = 'NaN' is not a finite number/],
    ['CDELT1', undefined, /lacks CDELT1/],
    ['CDELT2', '0', /CDELT2 = 0 /],
    ['CDELT2', '38.4', /CDELT1 .* and CDELT2 = 38.4 differ/],
    ['CDELT1', '0.2', /CDELT1 = 0.2 /],
    ['RSUN_OBS', '0', /RSUN_OBS = 0 /],
    ['RSUN_OBS', '-971.8', /RSUN_OBS = -971.8/],
    ['RSUN_OBS', '1E6', /RSUN_OBS = 1000000/],
    ['RSUN_OBS', undefined, /lacks RSUN_OBS/],
    ['CROTA2', 'NaN', /CROTA2 = 'NaN'/],
    ['CROTA2', '1E300', /CROTA2 = 1e\+300/],
    ['CRPIX1', '1E9', /CRPIX1 = 1000000000/],
    ['CRPIX2', 'INF', /CRPIX2 = 'INF'/],
    ['CRPIX1', undefined, /lacks CRPIX1/],
    ['WAVELNTH', '999', /WAVELNTH = 999 is not an AIA channel/],
    ['WAVELNTH', '0', /WAVELNTH = 0 is not an AIA channel/],
    ['WAVELNTH', '1E300', /WAVELNTH = 1e\+300 is not an AIA channel/],
    ['WAVELNTH', undefined, /lacks WAVELNTH/],
    ['DSUN_OBS', '0', /DSUN_OBS = 0 /],
    ['DSUN_OBS', '1E20', /DSUN_OBS = 100000000000000000000/],
    ['NAXIS1', '-5', /NAXIS1 = -5/],
    ['NAXIS', '1000', /NAXIS = 1000/],
  ];
  for (const [i, [key, value, expect]] of fatal.entries()) {
    await add(`key_${i}_${key}_${value ?? 'missing'}.fits`, withCard(small, key, value), expect);
  }
  // the roll that goes with CDELT 0.2 and RSUN_OBS 0 together (the zero output scale)
  await add(
    'key_cdelt_0.2_rsun_0.fits',
    withCard(withCard(small, 'CDELT1', '0.2'), 'RSUN_OBS', '0'),
    /CDELT1 = 0.2|RSUN_OBS = 0/,
  );
  // odd but usable: the product is the intact one's, the job carries a warning
  await add('exptime_missing.fits', withCard(small, 'EXPTIME', undefined), 'same');
  await add('exptime_nan.fits', withCard(small, 'EXPTIME', 'NaN'), 'same');
  await add('exptime_negative.fits', withCard(small, 'EXPTIME', '-2.0'), 'same');
  // ... but refused when the image is to be divided by it
  for (const [name, value] of [
    ['missing', undefined],
    ['nan', 'NaN'],
    ['zero', '0'],
    ['negative', '-2.0'],
  ] as const) {
    await add(
      `normalize/exptime_${name}.fits`,
      withCard(small, 'EXPTIME', value),
      /cannot normalise by exposure/,
      ['--normalize-exposure'],
    );
  }

  // absurd sizes: refused from the declaration, before anything is allocated
  await add(
    'size_naxis_32768.fits',
    withCard(withCard(small, 'NAXIS1', '32768'), 'NAXIS2', '32768'),
    /truncated|larger than/,
  );
  await add(
    'size_gzip_32768.fits',
    gzipTiled(small, { declare: [32768, 32768], tile: () => gzipSync(Buffer.alloc(0)) }),
    /32768×32768.*larger than/,
  );
  await add(
    'size_gzip_4097.fits',
    gzipTiled(small, { declare: [4097, 4097], tile: () => gzipSync(Buffer.alloc(0)) }),
    /4097×4097.*larger than/,
  );
  // a decompression bomb: each tile inflates to 64 MB of zeros
  const bomb = gzipSync(Buffer.alloc(64 << 20), { level: 9 });
  await add(
    'bomb_gzip_tiles.fits',
    gzipTiled(small, { tile: (row) => (row < 2 ? bomb : gzipSync(Buffer.alloc(0))) }),
    /decompression bomb/,
  );
  await add(
    'bomb_gzip_garbage.fits',
    gzipTiled(small, { tile: () => Buffer.from('not gzip at all') }),
    /gzip stream is damaged/,
  );
  // a correct GZIP_1 copy is the same image
  await add('gzip_tiled_intact.fits', gzipTiled(small), 'same');

  // header text: non-ASCII bytes, 100 000 cards, 100 000 CONTINUE cards
  const { cards } = cardsAt(small, 0);
  const withCards = (extra: string[]) =>
    concat([headerBytes([...cards.slice(0, -1), ...extra]), small.subarray(smallData)]);
  await add('key_pc_zero.fits', withCards([card('PC1_1', '0'), card('PC2_2', '0')]), /not a rotation/);
  await add('key_cd_huge.fits', withCards([card('CD1_1', '1E300')]), /not a rotation/);
  await add('key_roll_45.fits', withCard(small, 'CROTA2', '45'), 'ok');
  const gzipped = gzipTiled(small);
  const [, { start: tableHeader }] = hduStarts(gzipped);
  const tableCard = (key: string, value: string) => withCard(gzipped, key, value, tableHeader);
  await add('table_rows_huge.fits', tableCard('NAXIS2', '1000000000'), /truncated/);
  await add('table_zbitpix_bad.fits', tableCard('ZBITPIX', '7'), /ZBITPIX = 7/);
  await add('table_zcmptype_unknown.fits', tableCard('ZCMPTYPE', "'LZMA    '"), /unknown ZCMPTYPE/);
  await add('table_tform_bad.fits', tableCard('TFORM1', "'1ZB(99) '"), /TFORM1/);
  await add('table_ztile_zero.fits', tableCard('ZTILE1', '0'), /ZTILE/);
  // a header is ASCII: a byte outside it is named, not passed on into the product
  await add(
    'header_non_ascii.fits',
    withCards([`COMMENT Sonnenfl${'\u00e4'}che ${'\u00ff\u00fe'} non-ASCII bytes`.padEnd(CARD)]),
    /outside printable ASCII/,
  );
  await add(
    'header_100k_cards.fits',
    withCards(Array.from({ length: 100_000 }, (_, i) => `COMMENT padding card ${i}`.padEnd(CARD))),
    'same',
  );
  await add(
    'header_100k_continue.fits',
    withCards([
      `LONGSTR = '${'x'.repeat(60)}&'`.padEnd(CARD),
      ...Array.from({ length: 100_000 }, () => `CONTINUE  '${'y'.repeat(60)}&'`.padEnd(CARD)),
      `CONTINUE  'end'`.padEnd(CARD),
    ]),
    'same',
  );
  await add(
    'header_no_end.fits',
    Buffer.from(
      cards
        .slice(0, -1)
        .join('')
        .padEnd(BLOCK * 3),
      'latin1',
    ),
    TRUNCATED,
  );

  // not FITS at all
  await add('gzip_whole_file.fits', gzipSync(small), /gzip-compressed/);
  await add(
    'html_error_page.fits',
    '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>\n',
    /HTML/,
  );
  let seed = 12345;
  const random = Uint8Array.from(
    { length: 300_000 },
    () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24,
  );
  await add('random_bytes.fits', random, /not a FITS file/);
  await add('empty.fits', new Uint8Array(0), /empty/);
  await add('json.fits', '{"error": "not found"}', /JSON/);

  // not regular files
  const special = async (name: string, make: (path: string) => Promise<void>, expect: RegExp) => {
    await make(join(dir, name));
    cases.push({ name, expect, special: true });
  };
  await special('fifo.fits', async (p) => void execFileSync('mkfifo', [p]), /FIFO/);
  await special('dev_zero.fits', (p) => symlink('/dev/zero', p), /device/);
  await special('dev_null.fits', (p) => symlink('/dev/null', p), /device/);
  await special('loop_a.fits', (p) => symlink(join(dir, 'loop_b.fits'), p), /loop of symbolic links/);
  await special('loop_b.fits', (p) => symlink(join(dir, 'loop_a.fits'), p), /loop of symbolic links/);
  await special('dangling.fits', (p) => symlink(join(dir, 'nowhere.fits'), p), /no such file/);
  // a symbolic link to a good file elsewhere is followed: the product of the file it names
  await mkdir(`${dir}-targets`, { recursive: true });
  await writeFile(join(`${dir}-targets`, 'target.fits'), small);
  await symlink(join(`${dir}-targets`, 'target.fits'), join(dir, 'link_to_intact.fits'));
  cases.push({ name: 'link_to_intact.fits', expect: 'same' });
  // a folder named like a FITS file is a folder: not an input (checked by the harness separately)
  await mkdir(join(dir, 'folder.fits'));
  return cases;
}
