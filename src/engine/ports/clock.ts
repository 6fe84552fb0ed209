/** Time, injected so that the engine runs in virtual time under the simulator. */
export interface Clock {
  /** Milliseconds since an arbitrary, fixed origin; never decreases. */
  now(): number;
}
