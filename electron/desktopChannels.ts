/** IPC channels of the desktop shell beside the app API's (aia:*): menu actions and the GPU status. */
export const DESKTOP_CHANNELS = {
  /** main → page: paths to add to the Batch view (menu Open, file association, second launch). */
  openPaths: 'desktop:open-paths',
  /** main → page: the View menu's choice. */
  showView: 'desktop:show-view',
  /** page → main: what the GPU host found. */
  gpuStatus: 'desktop:gpu-status',
  /** main → GPU host window: its end of the message channel. */
  gpuPort: 'desktop:gpu-port',
} as const;

/** The renderer's views, by the ids of their tab buttons (#tab-batch…), in the order of Alt+1…4. */
export const VIEW_TABS = ['batch', 'queue', 'compare', 'performance'] as const;
export type ViewTab = (typeof VIEW_TABS)[number];

/** The GPU host's state as the UI shows it. */
export type GpuStatus =
  | { state: 'not-started' | 'starting' }
  | { state: 'ready'; adapter: GpuAdapterSummary }
  | { state: 'unavailable'; reason: string };

export interface GpuAdapterSummary {
  /** The API the page's kernels run on. */
  mode: 'webgpu' | 'webgl2';
  /** A CPU emulation (SwiftShader, llvmpipe): right answers, no speed. */
  software: boolean;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** WebGPU features the adapter offers (e.g. shader-f16, timestamp-query). */
  features: string[];
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

export function describeAdapter(status: GpuStatus): string {
  switch (status.state) {
    case 'ready': {
      const a = status.adapter;
      const name = a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ');
      const api = a.mode === 'webgpu' ? 'WebGPU' : 'WebGL2';
      return `${name || 'unnamed adapter'} (${api}${a.software ? ', software emulation: no speed-up' : ''})`;
    }
    case 'unavailable':
      return `no GPU adapter: ${status.reason}`;
    case 'starting':
      return 'looking for a GPU…';
    default:
      return 'not started';
  }
}
