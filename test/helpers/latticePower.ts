import type { Page } from 'playwright-core';

/**
 * Power of the displayed difference at the frequency of level 1.5's pixel grid on screen (aliased), and
 * the median power of the frequencies around it, along rows (x) and columns (y) of a 256² patch on the
 * disk. Two grids sampled by nearest pixel beat at that frequency and show a lattice.
 */
export async function latticePower(page: Page) {
  const zoom = Number(await page.getByTestId('zoom').getAttribute('data-zoom'));
  return (await page.evaluate(`((zoom) => {
    const gl = document.querySelector('.stage canvas');
    const c = document.createElement('canvas'); c.width = gl.width; c.height = gl.height;
    const ctx = c.getContext('2d'); ctx.drawImage(gl, 0, 0);
    const N = 256;
    const d = ctx.getImageData(Math.round(gl.width / 2 - N / 2), Math.round(gl.height / 2 - N / 2), N, N).data;
    const lum = new Float64Array(N * N);
    for (let i = 0; i < N * N; i++) lum[i] = 0.2126 * d[4 * i] + 0.7152 * d[4 * i + 1] + 0.0722 * d[4 * i + 2];
    const f = Math.abs(1 / zoom - Math.round(1 / zoom));
    const k0 = Math.round(f * N);
    const spectrum = (at) => {
      const power = new Float64Array(N / 2 + 1);
      for (let line = 0; line < N; line++) {
        const v = Array.from({ length: N }, (_, i) => at(line, i));
        const mean = v.reduce((a, b) => a + b, 0) / N;
        for (let k = 0; k <= N / 2; k++) {
          let re = 0, im = 0;
          for (let i = 0; i < N; i++) {
            const w = (v[i] - mean) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (N - 1)));
            re += w * Math.cos((2 * Math.PI * k * i) / N);
            im -= w * Math.sin((2 * Math.PI * k * i) / N);
          }
          power[k] += re * re + im * im;
        }
      }
      const around = [];
      for (let k = k0 - 10; k <= k0 + 10; k++) if (Math.abs(k - k0) >= 3 && k > 2 && k <= N / 2) around.push(power[k]);
      around.sort((a, b) => a - b);
      const atGrid = Math.max(power[k0 - 1] ?? 0, power[k0], power[k0 + 1] ?? 0);
      return { atGrid, neighbours: around[Math.floor(around.length / 2)] };
    };
    return {
      zoom, k0,
      x: spectrum((line, i) => lum[line * N + i]),
      y: spectrum((line, i) => lum[i * N + line]),
    };
  })(${zoom})`)) as {
    zoom: number;
    k0: number;
    x: { atGrid: number; neighbours: number };
    y: { atGrid: number; neighbours: number };
  };
}
