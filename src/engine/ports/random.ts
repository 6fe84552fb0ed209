/** Randomness, injected so that every run of the engine can be replayed from a seed. */
export interface Random {
  /** A uniform number in [0, 1). */
  next(): number;
}

/** Up to `count` of the items in random order (a partial Fisher-Yates shuffle of a copy). */
export function randomSample<T>(items: readonly T[], count: number, random: Random): T[] {
  const copy = [...items];
  const take = Math.min(count, copy.length);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(random.next() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, take);
}
