import { inject, type InjectionKey } from 'vue';
import type { AppApi, DesktopBridge } from '../../../main/contract/index.js';

export const APP_API: InjectionKey<AppApi> = Symbol('AppApi');
/** The desktop shell's bridge; absent in web mode. */
export const DESKTOP: InjectionKey<DesktopBridge | undefined> = Symbol('Desktop');

export function useAppApi(): AppApi {
  const api = inject(APP_API);
  if (!api) throw new Error('the app API was not provided');
  return api;
}

export function useDesktop(): DesktopBridge | undefined {
  return inject(DESKTOP, undefined);
}
