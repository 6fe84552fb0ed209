/** Randomness, injected so that every run of the engine can be replayed from a seed. */
export interface Random {
  /** A uniform number in [0, 1). */
  next(): number;
}
