import { ref, shallowRef, triggerRef } from 'vue';
import type { AppApi, InputCheck } from '../api/appApi.js';

/**
 * The files and folders chosen for the next batch. Shared, so that what the desktop shell opens (File ›
 * Open, a file association, a drop anywhere in the window) lands in the Batch view's list even while
 * another view shows.
 */
const selected = ref<string[]>([]);
/** The services' verdict on each selected path (inspectInputs); a path without one is being checked. */
const checks = shallowRef(new Map<string, InputCheck>());
/** What the verdicts were asked with: a change (sub-folders, exposure) asks again for every path. */
let checkedWith = '';

export function useBatchInputs() {
  return {
    selected,
    checks,
    add(paths: string[]): void {
      selected.value = [...new Set([...selected.value, ...paths])];
    },
    remove(path: string): void {
      selected.value = selected.value.filter((p) => p !== path);
    },
    clear(): void {
      selected.value = [];
    },
    /** Drops the refused paths (those the verdicts refuse), keeping the rest in order. */
    keep(paths: Set<string>): void {
      selected.value = selected.value.filter((p) => paths.has(p));
    },
    /**
     * Asks the services about the selected paths not checked yet with these options. An answer that
     * comes back after the options changed is dropped (the new question answers instead).
     */
    async check(api: AppApi, options: { recursive: boolean; normalizeExposure: boolean }): Promise<void> {
      const key = JSON.stringify(options);
      if (key !== checkedWith) {
        checkedWith = key;
        checks.value = new Map();
      }
      const paths = selected.value.filter((p) => !checks.value.has(p));
      if (!paths.length) return;
      const { inputs } = await api.call('inspectInputs', { paths, ...options });
      if (key !== checkedWith) return;
      for (const check of inputs) checks.value.set(check.path, check);
      triggerRef(checks);
    },
  };
}
