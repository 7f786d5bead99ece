/**
 * The shell's IPC vocabulary lives in the contract (main/contract/desktop.ts), where the preload and
 * the renderer read it too; the shell's modules take it from here.
 */
import type { GpuStatus } from '../main/contract/index.js';

export {
  DESKTOP_CHANNELS,
  VIEW_TABS,
  type GpuAdapterSummary,
  type GpuStatus,
  type ViewTab,
} from '../main/contract/index.js';

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
