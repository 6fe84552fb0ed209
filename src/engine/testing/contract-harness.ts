/** The part of a test framework a contract suite needs (vitest, Playwright's test and mocha all fit). */
export interface ContractHarness {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
}
