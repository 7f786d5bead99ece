import { describe, expect, it } from 'vitest';
import { formatFileSize } from '../../renderer/src/viewer/fileSize.js';

describe("formatFileSize, the sizes in the Batch view's folder browser", () => {
  it.each([
    [0, '0 B'],
    [27, '27 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1500, '1.5 kB'],
    [99_949, '99.9 kB'],
    [99_960, '100 kB'],
    [999_960, '1.0 MB'],
    [33_563_520, '33.6 MB'],
    [164_000_000, '164 MB'],
    [2.5e9, '2.5 GB'],
    [3e15, '3000 TB'],
  ])('%d bytes read %s', (bytes, text) => {
    expect(formatFileSize(bytes)).toBe(text);
  });

  it('shows nothing for a size it was not given', () => {
    expect(formatFileSize(undefined)).toBe('');
    expect(formatFileSize(Number.NaN)).toBe('');
  });
});
