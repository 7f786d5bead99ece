import { invertAffine } from '../viewer/affineMap.js';
import { LUT_SIZE } from '../viewer/colourMaps.js';
import type { Viewport } from '../viewer/viewport.js';

/** A float32 image on the GPU with its world → 0-based pixel map (helioWcs.worldToPixelAffine). */
export interface GpuImage {
  texture: WebGLTexture;
  width: number;
  height: number;
  affine: readonly number[];
}

export type PaneMode = 'single' | 'difference' | 'swipe';

/** One pane of the canvas, in device pixels from the canvas's bottom-left corner (GL's origin). */
export interface PaneDraw {
  x: number;
  y: number;
  width: number;
  height: number;
  /** arcsec per CSS pixel; scaled by devicePixelRatio here. */
  viewport: Viewport;
  mode: PaneMode;
  a: GpuImage;
  b?: GpuImage;
  limitsA: { lo: number; hi: number };
  limitsB?: { lo: number; hi: number };
  lut: WebGLTexture;
  /** Swipe: the split, as a share of the pane's width (A left of it, B right). */
  split?: number;
}

export const VERTEX = `#version 300 es
in vec2 corner;
void main() { gl_Position = vec4(corner, 0.0, 1.0); }`;

/**
 * Each fragment: its world point from the shared viewport, then each image's pixel through that image's
 * own WCS (so panes of different grids line up on the Sun), nearest texel (R32F is not filterable
 * everywhere, and nearest shows the true pixel values), clip, then one lookup of stretch + colour.
 * Two images in one pane (difference, swipe) are compared on A's grid: the world point is moved to the
 * centre of A's pixel and B is interpolated there (bilinear). Sampling both by nearest pixel would show
 * the beat of two grids as a lattice that is not in the data.
 */
export const FRAGMENT = `#version 300 es
precision highp float;
precision highp sampler2D;
uniform sampler2D imageA;
uniform sampler2D imageB;
uniform sampler2D lut;
uniform vec4 pane;
uniform vec3 view;
uniform vec3 rowA0, rowA1, rowB0, rowB1, invA0, invA1;
uniform vec2 limitsA, limitsB;
uniform int mode;
uniform float split;
out vec4 colour;

bool fetchValue(sampler2D image, vec3 r0, vec3 r1, vec2 world, out float value) {
  vec3 w = vec3(world, 1.0);
  ivec2 p = ivec2(floor(vec2(dot(r0, w), dot(r1, w)) + 0.5));
  ivec2 size = textureSize(image, 0);
  if (p.x < 0 || p.y < 0 || p.x >= size.x || p.y >= size.y) return false;
  value = texelFetch(image, p, 0).r;
  return !(isnan(value) || value != value);
}

bool fetchBilinear(sampler2D image, vec3 r0, vec3 r1, vec2 world, out float value) {
  vec3 w = vec3(world, 1.0);
  vec2 p = vec2(dot(r0, w), dot(r1, w));
  vec2 base = floor(p);
  vec2 f = p - base;
  ivec2 size = textureSize(image, 0);
  float sum = 0.0;
  float weights = 0.0;
  for (int k = 0; k < 4; k++) {
    ivec2 d = ivec2(k & 1, k >> 1);
    float weight = (d.x == 1 ? f.x : 1.0 - f.x) * (d.y == 1 ? f.y : 1.0 - f.y);
    // Float rounding leaves ~1e-4 on a neighbour of an exact pixel centre: not a reason to lose it.
    if (weight < 1e-3) continue;
    ivec2 q = ivec2(base) + d;
    if (q.x < 0 || q.y < 0 || q.x >= size.x || q.y >= size.y) return false;
    float v = texelFetch(image, q, 0).r;
    if (isnan(v) || v != v) return false;
    sum += weight * v;
    weights += weight;
  }
  value = sum / weights;
  return weights > 0.0;
}

void main() {
  vec2 s = gl_FragCoord.xy - pane.xy - 0.5 * pane.zw;
  vec2 world = view.xy + s * view.z;
  if (mode != 0) {
    vec3 g = vec3(floor(vec2(dot(rowA0, vec3(world, 1.0)), dot(rowA1, vec3(world, 1.0))) + 0.5), 1.0);
    world = vec2(dot(invA0, g), dot(invA1, g));
  }
  float a, b;
  bool hasA = fetchValue(imageA, rowA0, rowA1, world, a);
  float value;
  vec2 limits = limitsA;
  bool ok = hasA;
  value = a;
  if (mode == 1) {
    bool hasB = fetchBilinear(imageB, rowB0, rowB1, world, b);
    ok = hasA && hasB;
    value = a - b;
  } else if (mode == 2 && gl_FragCoord.x - pane.x >= split * pane.z) {
    ok = fetchBilinear(imageB, rowB0, rowB1, world, b);
    value = b;
    limits = limitsB;
  }
  if (!ok) {
    colour = vec4(0.09, 0.1, 0.12, 1.0);
    return;
  }
  float t = clamp((value - limits.x) / max(limits.y - limits.x, 1e-30), 0.0, 1.0);
  colour = texture(lut, vec2((t * ${LUT_SIZE - 1}.0 + 0.5) / ${LUT_SIZE}.0, 0.5));
}`;

export class ImageRenderer {
  readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private linked: boolean | Error = false;
  private readonly uniforms = new Map<string, WebGLUniformLocation | null>();

  /** On the page (the movie's canvas) or in the pane worker (an OffscreenCanvas handed over by the page). */
  constructor(readonly canvas: HTMLCanvasElement | OffscreenCanvas) {
    // preserveDrawingBuffer: a frame is read (the movie's export, tests) after it was shown.
    const gl = canvas.getContext('webgl2', {
      preserveDrawingBuffer: true,
      antialias: false,
    }) as WebGL2RenderingContext | null;
    if (!gl) throw new Error('WebGL2 is not available: the viewer needs it to show float32 images.');
    this.gl = gl;
    this.program = startLink(gl, VERTEX, FRAGMENT);
    // Asked only once the GPU has got through the link (any question before waits for the compiler).
    this.whenFinished(() => {
      this.linked = gl.getProgramParameter(this.program, gl.LINK_STATUS)
        ? true
        : new Error(linkFailure(gl, this.program));
    });
    const buffer = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  }

  /** Whether the shaders are compiled and linked (seen at a later frame); throws the compiler's message. */
  ready(): boolean {
    if (this.linked instanceof Error) throw this.linked;
    return this.linked;
  }

  /**
   * An R32F texture of width × height with no pixels yet: they go up by `uploadRows`, a band at a
   * time, so that no single GL call copies a whole 64 MB frame while the page waits.
   */
  allocate(width: number, height: number): WebGLTexture {
    const gl = this.gl;
    const texture = gl.createTexture();
    if (!texture) throw new Error('out of GPU memory for an image texture');
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texStorage2D(gl.TEXTURE_2D, 1, gl.R32F, width, height);
    return texture;
  }

  /**
   * Rows [y, y + rows) of float32 pixels (row 0 = FITS row 1, at the bottom) into an `allocate`d
   * texture; `band` holds those rows, row y first.
   */
  uploadRows(texture: WebGLTexture, band: Float32Array, width: number, y: number, rows: number): void {
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, y, width, rows, gl.RED, gl.FLOAT, band);
  }

  lutTexture(rgba: Uint8Array, previous?: WebGLTexture): WebGLTexture {
    const gl = this.gl;
    if (previous) gl.deleteTexture(previous);
    const texture = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, LUT_SIZE, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
    return texture;
  }

  release(texture: WebGLTexture): void {
    this.gl.deleteTexture(texture);
  }

  /**
   * Draws one pane into an offscreen framebuffer of width × height pixels (one world step of
   * `viewport.arcsecPerPixel` each) and reads it back: RGBA, bottom row first. For export at the
   * data's own resolution, whatever the window's size.
   */
  renderOffscreen(
    pane: Omit<PaneDraw, 'x' | 'y' | 'width' | 'height'>,
    width: number,
    height: number,
  ): Uint8Array {
    const gl = this.gl;
    if (!this.ready()) throw new Error('the viewer is still starting: try again in a moment');
    const target = gl.createTexture();
    const framebuffer = gl.createFramebuffer();
    if (!target || !framebuffer) throw new Error('out of GPU memory for the export');
    try {
      gl.bindTexture(gl.TEXTURE_2D, target);
      gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA8, width, height);
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, target, 0);
      this.draw([{ ...pane, x: 0, y: 0, width, height }], 1, width, height);
      const out = new Uint8Array(width * height * 4);
      gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, out);
      return out;
    } finally {
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.deleteFramebuffer(framebuffer);
      gl.deleteTexture(target);
    }
  }

  /** `ratio`: device pixels per CSS pixel (the viewport's scale is per CSS pixel). */
  draw(panes: PaneDraw[], ratio: number, width = this.canvas.width, height = this.canvas.height): void {
    const gl = this.gl;
    gl.viewport(0, 0, width, height);
    gl.clearColor(0.07, 0.08, 0.09, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.useProgram(this.program);
    gl.enable(gl.SCISSOR_TEST);
    for (const p of panes) {
      gl.viewport(p.x, p.y, p.width, p.height);
      gl.scissor(p.x, p.y, p.width, p.height);
      const b = p.b ?? p.a;
      this.bind(0, 'imageA', p.a.texture);
      this.bind(1, 'imageB', b.texture);
      this.bind(2, 'lut', p.lut);
      gl.uniform4f(this.at('pane'), p.x, p.y, p.width, p.height);
      gl.uniform3f(this.at('view'), p.viewport.cx, p.viewport.cy, p.viewport.arcsecPerPixel / ratio);
      gl.uniform3f(this.at('rowA0'), p.a.affine[0], p.a.affine[1], p.a.affine[2]);
      gl.uniform3f(this.at('rowA1'), p.a.affine[3], p.a.affine[4], p.a.affine[5]);
      const inv = invertAffine(p.a.affine);
      gl.uniform3f(this.at('invA0'), inv[0], inv[1], inv[2]);
      gl.uniform3f(this.at('invA1'), inv[3], inv[4], inv[5]);
      gl.uniform3f(this.at('rowB0'), b.affine[0], b.affine[1], b.affine[2]);
      gl.uniform3f(this.at('rowB1'), b.affine[3], b.affine[4], b.affine[5]);
      const lb = p.limitsB ?? p.limitsA;
      gl.uniform2f(this.at('limitsA'), p.limitsA.lo, p.limitsA.hi);
      gl.uniform2f(this.at('limitsB'), lb.lo, lb.hi);
      gl.uniform1i(this.at('mode'), p.mode === 'difference' ? 1 : p.mode === 'swipe' ? 2 : 0);
      gl.uniform1f(this.at('split'), p.split ?? 0.5);
      gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    }
    gl.disable(gl.SCISSOR_TEST);
  }

  /**
   * Calls `done` once the GPU has finished all the work asked of it so far (a fence, looked at once
   * per animation frame), for honest frame times: waiting for it here (a pixel read) would hold the
   * page as long as the GPU is busy, seconds on a software rasteriser while a 4096² texture goes up.
   */
  whenFinished(done: () => void): void {
    const gl = this.gl;
    const fence = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
    if (!fence) return;
    gl.flush();
    const look = () => {
      if (gl.getSyncParameter(fence, gl.SYNC_STATUS) !== gl.SIGNALED) return void requestAnimationFrame(look);
      gl.deleteSync(fence);
      done();
    };
    requestAnimationFrame(look);
  }

  private bind(unit: number, name: string, texture: WebGLTexture): void {
    const gl = this.gl;
    gl.activeTexture(gl.TEXTURE0 + unit);
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.uniform1i(this.at(name), unit);
  }

  private at(name: string): WebGLUniformLocation | null {
    if (!this.uniforms.has(name)) this.uniforms.set(name, this.gl.getUniformLocation(this.program, name));
    return this.uniforms.get(name)!;
  }
}

/**
 * Compiles and links without asking how it went (each question would hold the page until the compiler
 * is done); `corner` is attribute 0.
 */
export function startLink(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const program = gl.createProgram()!;
  for (const [type, source] of [
    [gl.VERTEX_SHADER, vertex],
    [gl.FRAGMENT_SHADER, fragment],
  ] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    gl.attachShader(program, shader);
  }
  gl.bindAttribLocation(program, 0, 'corner');
  gl.linkProgram(program);
  return program;
}

/** Why a program did not link: its shaders' logs, else its own. */
function linkFailure(gl: WebGL2RenderingContext, program: WebGLProgram): string {
  const logs = (gl.getAttachedShaders(program) ?? [])
    .filter((shader) => !gl.getShaderParameter(shader, gl.COMPILE_STATUS))
    .map((shader) => gl.getShaderInfoLog(shader));
  return (
    logs.filter(Boolean).join('\n') || gl.getProgramInfoLog(program) || "the viewer's shaders did not link"
  );
}
