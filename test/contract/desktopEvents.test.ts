import { describe, expect, it } from 'vitest';
import { checkDesktopEvent, VIEW_TABS } from '../../main/contract/index.js';
import { droppedPaths } from '../../renderer/src/api/droppedPaths.js';

describe('desktop events: the shell tells the page, the page acts', () => {
  it('takes only payloads of the contract’s shape', () => {
    expect(checkDesktopEvent('openPaths', ['/data/a.fits', 'C:\\data\\b.fits'])).toEqual([
      '/data/a.fits',
      'C:\\data\\b.fits',
    ]);
    for (const bad of ['/data/a.fits', [1], [''], null, { 0: '/a' }])
      expect(checkDesktopEvent('openPaths', bad), JSON.stringify(bad)).toBeUndefined();
    for (const view of VIEW_TABS) expect(checkDesktopEvent('showView', view)).toBe(view);
    for (const bad of ['settings', '#tab-batch', 2, undefined])
      expect(checkDesktopEvent('showView', bad), String(bad)).toBeUndefined();
    expect(checkDesktopEvent('showSettings', true)).toBe(true);
    for (const bad of [false, 'open', {}, undefined])
      expect(checkDesktopEvent('showSettings', bad), String(bad)).toBeUndefined();
  });

  it('a drop gives the files’ own paths where the desktop can tell them, else the text’s paths', () => {
    const files = [{ name: 'a.fits' }, { name: 'b.fits' }, { name: 'virtual' }];
    const pathOf = (file: { name: string }) => (file.name === 'virtual' ? '' : `/home/sun/${file.name}`);
    expect(droppedPaths({ files, text: '' }, pathOf)).toEqual(['/home/sun/a.fits', '/home/sun/b.fits']);
    // A web page cannot tell: then the drop's text, one path per line, file:// URLs decoded.
    const text = 'file:///data/AIA%20171/a.fits\r\n  /data/100%_done/b.fits  \n\nfile:///bad%E0%A4%A.fits\n';
    expect(droppedPaths({ files, text })).toEqual([
      '/data/AIA 171/a.fits',
      '/data/100%_done/b.fits',
      '/bad%E0%A4%A.fits',
    ]);
    expect(droppedPaths({ files: [], text: '' }, pathOf)).toEqual([]);
  });
});
