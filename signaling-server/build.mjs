// Bundles the server into one file (no runtime dependencies, so `npx` of the packed tarball
// needs no install) and copies the built app beside it.
import { build } from 'esbuild';
import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** @param {string} relative */
const here = (relative) => fileURLToPath(new URL(relative, import.meta.url));

const built = await stat(here('../dist/index.html')).catch(() => undefined);
if (!built) {
  console.error('tabswarm-signal build: ../dist/index.html is missing; run `npm run build` at the repository root first');
  process.exit(1);
}
await rm(here('dist'), { recursive: true, force: true });
await build({
  entryPoints: [here('src/cli.ts')],
  outfile: here('dist/cli.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Some bundled CommonJS dependencies call require(); give the ES module one.
  banner: { js: "import { createRequire as __tabswarmCreateRequire } from 'node:module'; const require = __tabswarmCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
await mkdir(here('dist/app'), { recursive: true });
await cp(here('../dist/'), here('dist/app'), { recursive: true });
console.log('tabswarm-signal build: dist/cli.js and dist/app ready');
