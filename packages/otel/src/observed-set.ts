// The objects an observable instrument reports on: added by observe(), removed
// by the function it returns (so a closed verifier or list is not kept alive).
export class ObservedSet<T> implements Iterable<T> {
  private readonly items = new Set<T>();

  add(item: T): () => void {
    this.items.add(item);
    return () => void this.items.delete(item);
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
}
