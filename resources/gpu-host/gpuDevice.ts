/**
 * One gpu.js instance on one WebGL2 context or WebGPU device, and what the page knows of that
 * context: which adapter it is, whether it is a software one, and whether it has been lost. A lost
 * context never comes back: the host replaces the whole GpuDevice (and everything made on it).
 */
import { GPU } from 'gpu.js';
import type { AdapterReport } from '../../main/engine/compute/gpu/protocol.js';

export type GpuMode = AdapterReport['mode'];

/** A request failed because the GPU context went away under it (driver reset, GPU process crash…). */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

/** The little of WebGPU the page touches (TypeScript's DOM library has no WebGPU types yet). */
interface WebGpuDevice {
  readonly lost: Promise<{ reason: string; message: string }>;
  readonly queue: { onSubmittedWorkDone(): Promise<void> };
  destroy(): void;
}
interface WebGpuAdapter {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  readonly isFallbackAdapter?: boolean;
  readonly features: Iterable<string>;
  readonly limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxTextureDimension2D: number;
  };
}
/** gpu.js's one shared WebGPU device (GPU.WebGPUContext), which its webgpu kernels all use. */
interface WebGpuContext {
  adapter: WebGpuAdapter;
  device: WebGpuDevice;
  isLost: boolean;
}
const webGpuContext = (
  GPU as unknown as { WebGPUContext: { acquire(): Promise<WebGpuContext>; destroy(): Promise<void> } }
).WebGPUContext;

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

export class GpuDevice {
  private lostReason?: string;

  private constructor(
    readonly gpu: GPU,
    readonly adapter: AdapterReport,
    /** The WebGL2 context gpu.js draws with (webgl2 mode), ours so that its loss is seen. */
    readonly gl: WebGL2RenderingContext | undefined,
    private readonly webGpu: WebGpuContext | undefined,
  ) {
    webGpu?.device.lost.then((info) => this.markLost(`WebGPU device lost (${info.reason}): ${info.message}`));
  }

  /** gpu.js's WebGPU backend where an adapter answers, WebGL2 otherwise (`forced` overrides). */
  static async open(forced?: GpuMode, onGl?: (gl: WebGL2RenderingContext) => void): Promise<GpuDevice> {
    const useWebGpu = forced ? forced === 'webgpu' : await GPU.isWebGPUAvailable();
    if (useWebGpu) {
      const context = await webGpuContext.acquire();
      const gpu = new GPU({ mode: 'webgpu' });
      return new GpuDevice(gpu, webGpuReport(context.adapter), undefined, context);
    }
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2', { antialias: false, depth: false, preserveDrawingBuffer: false });
    if (!gl) throw new Error('this browser gives no WebGL2 context (and no WebGPU adapter)');
    onGl?.(gl);
    const gpu = new GPU({ mode: 'webgl2', canvas, context: gl });
    const device = new GpuDevice(gpu, webGl2Report(gl), gl, undefined);
    canvas.addEventListener('webglcontextlost', () =>
      device.markLost('WebGL2 context lost (GPU reset, driver update or GPU process crash)'),
    );
    return device;
  }

  /** Why the context is gone, or undefined while it works. */
  get lost(): string | undefined {
    if (this.lostReason) return this.lostReason;
    if (this.gl?.isContextLost()) return 'WebGL2 context lost';
    if (this.webGpu?.isLost) return 'WebGPU device lost';
    return undefined;
  }

  /** Waits until the GPU has done everything submitted so far (one sync per request, for timings). */
  async settle(): Promise<void> {
    if (this.gl) this.gl.finish();
    else await this.webGpu?.device.queue.onSubmittedWorkDone();
  }

  /**
   * Loses the context as a driver reset would (WEBGL_lose_context; WebGPU: device.destroy()), so
   * tests and developers can see the job fail clearly and the host recover.
   */
  simulateLoss(): void {
    this.markLost('GPU device lost (simulated)');
    if (this.gl) this.gl.getExtension('WEBGL_lose_context')?.loseContext();
    else this.webGpu?.device.destroy();
  }

  async destroy(): Promise<void> {
    await this.gpu.destroy().catch(() => undefined);
    // gpu.js shares one WebGPU device per page and forgets a lost one only when its lost promise
    // settles: drop it now, so the next GpuDevice cannot be handed the dead one.
    if (this.webGpu && this.lost) await webGpuContext.destroy().catch(() => undefined);
  }

  private markLost(reason: string): void {
    this.lostReason ??= reason;
  }
}

function webGpuReport(adapter: WebGpuAdapter): AdapterReport {
  const info = adapter.info ?? {};
  const description =
    [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'WebGPU adapter';
  return {
    mode: 'webgpu',
    software: adapter.isFallbackAdapter === true || SOFTWARE.test(description),
    description,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    features: [...adapter.features].sort(),
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxTextureSize: adapter.limits.maxTextureDimension2D,
    },
  };
}

function webGl2Report(gl: WebGL2RenderingContext): AdapterReport {
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const description = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  const vendor = String(gl.getParameter(debug ? debug.UNMASKED_VENDOR_WEBGL : gl.VENDOR));
  return {
    mode: 'webgl2',
    software: SOFTWARE.test(description),
    description,
    vendor,
    architecture: '',
    device: '',
    features: [],
    limits: {
      maxBufferSize: 0,
      maxStorageBufferBindingSize: 0,
      maxTextureSize: gl.getParameter(gl.MAX_TEXTURE_SIZE),
    },
  };
}
