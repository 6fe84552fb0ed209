import path from 'node:path';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

// The engine is pure and deterministic (ARCHITECTURE.md, "Engine rules"): time, randomness,
// storage and network arrive through ports, never through ambient globals or I/O modules.
const engineRestrictedGlobals = [
  'window',
  'document',
  'navigator',
  'indexedDB',
  'localStorage',
  'sessionStorage',
  'self',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'requestAnimationFrame',
  'performance',
  'process',
].map((name) => ({
  name,
  message: `The engine is pure: '${name}' is ambient I/O. Take time, randomness, storage and network through a port (Clock, Random, ShardStore, Mesh).`,
}));

const portHint = 'The engine is pure: take time and randomness through the Clock and Random ports.';

const engineRestrictedProperties = [
  { object: 'Date', property: 'now', message: portHint },
  { object: 'Math', property: 'random', message: portHint },
  { object: 'performance', property: 'now', message: portHint },
  ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'window', 'document', 'indexedDB', 'process'].map(
    (property) => ({
      object: 'globalThis',
      property,
      message: `The engine is pure: globalThis.${property} is ambient I/O; use a port.`,
    }),
  ),
];

const engineRestrictedSyntax = [
  {
    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
    message: portHint,
  },
  {
    selector: "CallExpression[callee.name='Date']",
    message: portHint,
  },
];

const engineImportsMessage =
  'src/engine imports no I/O library (libp2p, idb, comlink, Node built-ins): it runs in Node and in the worker through ports.';
const engineRestrictedImports = {
  patterns: [
    {
      group: ['libp2p', '@libp2p/*', 'idb', 'comlink', 'node:*', 'fs', 'path'],
      message: engineImportsMessage,
    },
  ],
};

// Resolves relative imports, so the engine's own Mesh port (say src/engine/ports/mesh.ts) stays
// importable while src/mesh, src/workers and src/app do not; name patterns cannot tell them apart.
const outsideLayers = ['mesh', 'workers', 'app'].map((layer) => path.resolve('src', layer));
/** @type {import('eslint').Rule.RuleModule} */
const engineBoundary = {
  meta: {
    type: 'problem',
    docs: { description: 'src/engine imports nothing from src/mesh, src/workers or src/app' },
    schema: [],
  },
  create(context) {
    /** @param {{ source?: import('estree').Node | null }} node */
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const spec = source.value;
      const target = spec.startsWith('.')
        ? path.resolve(path.dirname(context.filename), spec)
        : spec.startsWith('src/') || spec.startsWith('/src/')
          ? path.resolve(spec.replace(/^\//, ''))
          : undefined;
      const layer = target && outsideLayers.find((dir) => target === dir || target.startsWith(dir + path.sep));
      if (layer) {
        context.report({
          node: source,
          message: `src/engine must not import '${spec}' (${path.relative(process.cwd(), layer)}): data flows into the engine through ports.`,
        });
      }
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', '.vite/', 'signaling-server/dist/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    plugins: { tabswarm: { rules: { 'engine-boundary': engineBoundary } } },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        parser: tseslint.parser,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...engineRestrictedGlobals],
      'no-restricted-properties': ['error', ...engineRestrictedProperties],
      'no-restricted-syntax': ['error', ...engineRestrictedSyntax],
      'no-restricted-imports': ['error', engineRestrictedImports],
      'tabswarm/engine-boundary': 'error',
    },
  },
  {
    // Tests may read process.env (e.g. SOAK=1 for long simulator runs) and use node:crypto as an oracle; everything else stays restricted.
    files: ['src/engine/**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', ...engineRestrictedGlobals.filter((g) => g.name !== 'process')],
      'no-restricted-properties': [
        'error',
        ...engineRestrictedProperties.filter((p) => !(p.object === 'globalThis' && p.property === 'process')),
      ],
      // node:crypto serves as an independent oracle for the engine's WebCrypto hashing.
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['libp2p', '@libp2p/*', 'idb', 'comlink', 'node:*', '!node:crypto', 'fs', 'path'], message: engineImportsMessage }] },
      ],
    },
  },
);
