/** Promises for the shard fetches a host asked its engine for, paired by request number. */
export class FetchRequests {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();

  /** A new request number and the promise its result will settle. */
  open(): { request: number; result: Promise<Uint8Array> } {
    const request = this.next++;
    const result = new Promise<Uint8Array>((resolve, reject) => this.waiting.set(request, { resolve, reject }));
    return { request, result };
  }

  /** Settles a request with the engine's `fetched-shard` outcome. */
  settle(request: number, bytes: Uint8Array | undefined, error: string): void {
    const waiting = this.waiting.get(request);
    if (!waiting) return;
    this.waiting.delete(request);
    if (bytes) waiting.resolve(bytes);
    else waiting.reject(new Error(error));
  }
}
