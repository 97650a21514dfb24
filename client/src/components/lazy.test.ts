// @vitest-environment happy-dom
import { createApp, defineComponent, h, nextTick } from 'vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lazyComponent, retryDelayMs } from './lazy.ts';

const Shown = defineComponent({ props: { text: { type: String, required: true } }, setup: (props) => () => h('p', props.text) });

/** Lets the loader's promises settle, then Vue render. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await nextTick();
};

afterEach(() => vi.useRealTimers());

describe('lazy components', () => {
  it('backs off between attempts, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(retryDelayMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('asks again for a chunk that failed to load, and shows the component once it arrives', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const Lazy = lazyComponent(async () => {
      calls++;
      if (calls <= 2) throw new TypeError('Failed to fetch dynamically imported module');
      return { __esModule: true, default: Shown }; // as `import()` gives it: a module
    });
    const el = document.createElement('div');
    createApp({ render: () => h(Lazy, { text: '图表' }) }).mount(el);
    await settle();
    expect(calls).toBe(1);
    expect(el.textContent).toBe('');
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toBe(1); // not before its delay
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    await settle();
    expect(calls).toBe(3);
    expect(el.innerHTML).toBe('<p>图表</p>');
  });
});
