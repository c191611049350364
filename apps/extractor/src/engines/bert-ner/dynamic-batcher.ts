/**
 * Gathers work items from concurrent callers into batches of up to `maxBatchSize`, waiting at most `maxWaitMs` after
 * the first queued item. Batches run one at a time (an ONNX session already uses every intra-op thread).
 */

export interface BatchRunStats {
  /** Wall-clock seconds the batch function ran. */
  readonly seconds: number;
  readonly size: number;
}

interface Pending<I, O> {
  readonly item: I;
  resolve(result: { output: O; stats: BatchRunStats }): void;
  reject(error: unknown): void;
}

export class DynamicBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private closed = false;

  constructor(
    private readonly runBatch: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly maxBatchSize: number,
    private readonly maxWaitMs: number,
  ) {}

  /** Resolves with this item's output and the stats of the batch that carried it. */
  submit(item: I): Promise<{ output: O; stats: BatchRunStats }> {
    if (this.closed) return Promise.reject(new Error('batcher closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.maxBatchSize || this.maxWaitMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.drain();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.drain();
      }, this.maxWaitMs);
    }
  }

  private async drain(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatchSize);
    const t0 = performance.now();
    try {
      const outputs = await this.runBatch(batch.map((p) => p.item));
      const stats = { seconds: (performance.now() - t0) / 1000, size: batch.length };
      batch.forEach((p, i) => p.resolve({ output: outputs[i]!, stats }));
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.running = false;
    }
    if (this.queue.length > 0) this.schedule();
  }
}
