import type { Table } from 'apache-arrow';

/** A run of a dataset's rows, in order, as a reader produced it. */
export interface DatasetPart {
  readonly table: Table;
}
