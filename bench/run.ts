// `npm run bench -- <name>`: runs one benchmark from this folder. Each prints a JSON line last.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benches: Record<string, string> = {
  placement: 'placement.ts',
  mesh: 'mesh.ts',
  distribution: 'distribution.ts',
  query: 'query.ts',
};

const name = process.argv[2];
if (!name || !benches[name]) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
  process.exit(2);
}
const file = fileURLToPath(new URL(benches[name] ?? '', import.meta.url));
if (!existsSync(file)) throw new Error(`benchmark file ${file} is missing`);
const result = spawnSync(process.execPath, ['--import', 'tsx', file, ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
