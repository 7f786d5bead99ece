import { ref } from 'vue';

/**
 * The files and folders chosen for the next batch. Shared, so that what the desktop shell opens (File ›
 * Open, a file association, a drop anywhere in the window) lands in the Batch view's list even while
 * another view shows.
 */
const selected = ref<string[]>([]);

export function useBatchInputs() {
  return {
    selected,
    add(paths: string[]): void {
      selected.value = [...new Set([...selected.value, ...paths])];
    },
    remove(path: string): void {
      selected.value = selected.value.filter((p) => p !== path);
    },
    clear(): void {
      selected.value = [];
    },
  };
}
