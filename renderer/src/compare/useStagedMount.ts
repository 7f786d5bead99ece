import { onBeforeUnmount, onMounted, ref } from 'vue';
import { inOwnTask } from './ownTask.js';

/**
 * Parts of a view mounted one after another, each in a task of its own after the frame that laid out
 * the one before: mounted with the view, all of them and then their layout held the page for 0.3 s
 * on a busy machine. `shown(n)` is true once parts 1…n are (part 0 is the view itself).
 */
export function useStagedMount(parts: number) {
  const mounted = ref(0);
  let frame = 0;
  const next = () => {
    frame = requestAnimationFrame(() =>
      inOwnTask(() => {
        if (mounted.value >= parts) return;
        mounted.value++;
        next();
      }),
    );
  };
  onMounted(next);
  onBeforeUnmount(() => cancelAnimationFrame(frame));
  return (part: number) => mounted.value >= part;
}
