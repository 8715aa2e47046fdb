/**
 * A k-way merge of ascending streams by `index` (an agent's sessions into log order), holding one head per
 * stream in a binary min-heap: O(log k) per item, and memory of k heads plus whatever each stream buffers.
 */

interface Head<T> {
  item: T;
  source: AsyncIterator<T>;
}

function less<T extends { index: number }>(a: Head<T>, b: Head<T>): boolean {
  return a.item.index < b.item.index;
}

function siftUp<T extends { index: number }>(h: Head<T>[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i]!, h[p]!)) return;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function siftDown<T extends { index: number }>(h: Head<T>[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < h.length && less(h[l]!, h[m]!)) m = l;
    if (r < h.length && less(h[r]!, h[m]!)) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
}

/** Items of every source in ascending `index` order (each source must itself be ascending). */
export async function* mergeByIndex<T extends { index: number }>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const heap: Head<T>[] = [];
  for (const s of sources) {
    const source = s[Symbol.asyncIterator]();
    const r = await source.next();
    if (!r.done) {
      heap.push({ item: r.value, source });
      siftUp(heap, heap.length - 1);
    }
  }
  while (heap.length > 0) {
    const top = heap[0]!;
    yield top.item;
    const r = await top.source.next();
    if (r.done) {
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    } else top.item = r.value;
    siftDown(heap, 0);
  }
}
