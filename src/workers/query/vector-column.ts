import { type Data, DataType, type Table } from 'apache-arrow';

/**
 * The `__vec` column of a subquery result as one float32 array (rows back to back) and the
 * `__row` column as row numbers. Vectors are Arrow fixed-size lists or lists of floats (JSON
 * arrays arrive as lists); every one must have the query's dimension.
 */
export function vectorRows(table: Table, dimension: number): { vectors: Float32Array; rows: Float64Array } {
  const vectorColumn = table.getChild('__vec');
  const rowColumn = table.getChild('__row');
  if (!vectorColumn || !rowColumn) throw new Error('a vector subquery must return __row and __vec');
  const vectors = new Float32Array(table.numRows * dimension);
  let at = 0;
  for (const data of vectorColumn.data) {
    copyVectors(data, dimension, vectors, at);
    at += data.length * dimension;
  }
  const rows = Float64Array.from(rowColumn.toArray() as ArrayLike<number | bigint>, Number);
  return { vectors, rows };
}

function copyVectors(data: Data, dimension: number, out: Float32Array, at: number): void {
  const child = data.children[0];
  if (!child || !DataType.isFloat(child.type)) throw new Error(`the vector column must be a list of floats, not ${String(data.type)}`);
  const values = child.values as Float32Array | Float64Array;
  if (DataType.isFixedSizeList(data.type)) {
    if (data.type.listSize !== dimension) throw new Error(`vectors have ${data.type.listSize} dimensions; the query has ${dimension}`);
    const start = (child.offset + data.offset * dimension);
    out.set(values.subarray(start, start + data.length * dimension), at);
    return;
  }
  if (!DataType.isList(data.type)) throw new Error(`the vector column must be a list of floats, not ${String(data.type)}`);
  const offsets = data.valueOffsets;
  for (let i = 0; i < data.length; i++) {
    const begin = (offsets[data.offset + i] as number) + child.offset;
    const end = (offsets[data.offset + i + 1] as number) + child.offset;
    if (end - begin !== dimension) throw new Error(`a vector has ${end - begin} dimensions; the query has ${dimension}`);
    out.set(values.subarray(begin, end), at + i * dimension);
  }
}
