/**
 * What Chromium must read before 'ready', decided from the platform, the environment and the launch
 * arguments (a pure function: main.ts applies it, the tests read it).
 *
 * - AIA_STUDIO_DISABLE_GPU=1 turns hardware acceleration off for a broken driver; Chromium 139+ no
 *   longer falls back to SwiftShader for WebGL by itself, so Compare's WebGL2 viewer asks for it.
 * - WebGPU is on by default on Windows and macOS; on Linux it needs enable-unsafe-webgpu (process
 *   wide, so the main window turns the WebGPU feature off for its own page: see windows.ts) and
 *   Vulkan, which Chromium refuses under ozone's Wayland platform (Electron 38+ runs natively on a
 *   Wayland session): there gpu.js falls back to WebGL2.
 */
export interface ChromiumSetup {
  disableHardwareAcceleration: boolean;
  switches: Array<[name: string, value?: string]>;
}

export function chromiumSetup(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  argv: string[],
): ChromiumSetup {
  if (env.AIA_STUDIO_DISABLE_GPU === '1')
    return { disableHardwareAcceleration: true, switches: [['enable-unsafe-swiftshader']] };
  if (platform !== 'linux') return { disableHardwareAcceleration: false, switches: [] };
  const switches: ChromiumSetup['switches'] = [['enable-unsafe-webgpu']];
  if (!runsOnWayland(env, argv)) switches.push(['enable-features', 'Vulkan']);
  return { disableHardwareAcceleration: false, switches };
}

/** Whether Chromium will pick ozone's Wayland platform: asked for, or auto on a Wayland session. */
export function runsOnWayland(env: NodeJS.ProcessEnv, argv: string[]): boolean {
  const option = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const platform = option('ozone-platform');
  if (platform) return platform === 'wayland';
  const hint = option('ozone-platform-hint') ?? env.ELECTRON_OZONE_PLATFORM_HINT ?? 'auto';
  if (hint !== 'auto' && hint !== 'wayland') return false;
  // In doubt, Wayland: without Vulkan WebGPU may be missing (WebGL2 then), with it the GPU dies.
  return Boolean(env.WAYLAND_DISPLAY) || env.XDG_SESSION_TYPE === 'wayland';
}
