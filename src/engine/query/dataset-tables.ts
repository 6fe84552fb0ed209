import type { DatasetManifest } from '../catalog/manifest';
import { identifierKey, tokenizeSql } from './sql-tokens';

// What SQL calls a dataset: its file name without the extension, made an identifier
// ("Trips 2024.csv" -> trips_2024). When two datasets would share a name, each is also known
// as name_<first 8 hex digits of its id>, and the bare name is ambiguous.

/** The table name of a dataset's file name. */
export function tableNameOf(fileName: string): string {
  const base = fileName.replace(/\.[A-Za-z0-9]+$/, '').toLowerCase();
  const name = base.replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'dataset';
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The name SQL should use for each dataset: the bare name where it is unique, else name_<id prefix>. */
export function unambiguousTableNames(datasets: readonly { id: string; name: string }[]): string[] {
  const counts = new Map<string, number>();
  for (const dataset of datasets) counts.set(tableNameOf(dataset.name), (counts.get(tableNameOf(dataset.name)) ?? 0) + 1);
  return datasets.map((dataset) => {
    const name = tableNameOf(dataset.name);
    return (counts.get(name) ?? 0) > 1 ? `${name}_${dataset.id.slice(0, 8)}` : name;
  });
}

/** Every dataset by each name SQL may use for it; an ambiguous bare name maps to several. */
export function datasetTables(manifests: readonly DatasetManifest[]): Map<string, DatasetManifest[]> {
  const byName = new Map<string, DatasetManifest[]>();
  const add = (name: string, manifest: DatasetManifest): void => {
    const list = byName.get(name) ?? [];
    if (!list.some((known) => known.id === manifest.id)) list.push(manifest);
    byName.set(name, list);
  };
  for (const manifest of manifests) {
    const name = tableNameOf(manifest.name);
    add(name, manifest);
    add(`${name}_${manifest.id.slice(0, 8)}`, manifest);
  }
  return byName;
}

/** The datasets a query names, each with the table name it used; throws if a name is ambiguous. */
export function datasetsInQuery(sql: string, manifests: readonly DatasetManifest[]): { table: string; manifest: DatasetManifest }[] {
  const tables = datasetTables(manifests);
  const found = new Map<string, DatasetManifest>();
  for (const token of tokenizeSql(sql)) {
    const key = identifierKey(token);
    const matches = key === undefined ? undefined : tables.get(key);
    if (!key || !matches || found.has(key)) continue;
    if (matches.length > 1) {
      const names = matches.map((manifest) => `${tableNameOf(manifest.name)}_${manifest.id.slice(0, 8)}`).join(', ');
      throw new Error(`"${key}" names ${matches.length} datasets; use one of ${names}`);
    }
    found.set(key, matches[0] as DatasetManifest);
  }
  return [...found].map(([table, manifest]) => ({ table, manifest }));
}
