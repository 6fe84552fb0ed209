/** A file the user dropped could not become a dataset; the message says why and what to do. */
export class UnreadableDatasetError extends Error {
  override readonly name = 'UnreadableDatasetError';
}
