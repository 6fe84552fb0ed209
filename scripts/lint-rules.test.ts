import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Proves the engine purity rule can fail: each forbidden snippet must produce an error.
const eslint = new ESLint({ cwd: process.cwd() });

async function errorsFor(code: string, filePath = 'src/engine/x.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error('ESLint returned no result for the snippet.');
  return result.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

const forbidden: Record<string, string> = {
  'Date.now()': 'export const t = Date.now();\n',
  'new Date()': 'export const d = new Date();\n',
  'Math.random()': 'export const r = Math.random();\n',
  setTimeout: 'setTimeout(() => undefined, 1);\n',
  'globalThis.setTimeout': 'globalThis.setTimeout(() => undefined, 1);\n',
  window: 'export const w = window.location.href;\n',
  indexedDB: "export const db = indexedDB.open('shards');\n",
  performance: 'export const p = performance.now();\n',
  process: 'export const e = process.env.SOAK;\n',
  "import '../mesh/node'": "import { node } from '../mesh/node';\nexport const n = node;\n",
  "import '../workers/engine-worker'": "import { w } from '../workers/engine-worker';\nexport const x = w;\n",
  "export * from '../app/state'": "export * from '../app/state';\n",
  "import('../mesh/bridge')": "export const m = () => import('../mesh/bridge');\n",
  "import 'libp2p'": "import { createLibp2p } from 'libp2p';\nexport const c = createLibp2p;\n",
  "import 'idb'": "import { openDB } from 'idb';\nexport const o = openDB;\n",
  "import 'node:fs'": "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
};

const clean = `import { rank } from './placement/rendezvous';
import type { Mesh } from './ports/mesh';
import type { Application } from './application';

export interface Clock {
  /** Milliseconds of virtual or real time, supplied by the adapter. */
  now(): number;
}

export async function digest(bytes: Uint8Array): Promise<ArrayBuffer> {
  return globalThis.crypto.subtle.digest('SHA-256', bytes);
}

export function later(clock: Clock, ms: number): number {
  return clock.now() + ms + rank.length + new Date(0).getTime();
}

export type Deps = { mesh: Mesh; app: Application };
`;

describe('engine purity lint rule', () => {
  for (const [name, code] of Object.entries(forbidden)) {
    it(`rejects ${name} in src/engine`, async () => {
      const errors = await errorsFor(code);
      expect(errors.some((e) => /^(no-restricted-|tabswarm\/)/.test(e)), errors.join('\n') || 'no errors').toBe(true);
    });
  }

  it('accepts a clean engine module (ports, crypto.subtle, new Date(ts))', async () => {
    expect(await errorsFor(clean)).toEqual([]);
  });

  it('lets engine tests read process.env but still forbids Date.now', async () => {
    expect(await errorsFor(forbidden.process!, 'src/engine/x.test.ts')).toEqual([]);
    expect(await errorsFor(forbidden['Date.now()']!, 'src/engine/x.test.ts')).toEqual([
      expect.stringMatching(/^no-restricted-properties:/),
    ]);
  });

  it('keeps the rule on for src/engine/testing', async () => {
    expect(await errorsFor(forbidden['Math.random()']!, 'src/engine/testing/memory-mesh.ts')).toEqual([
      expect.stringMatching(/^no-restricted-properties:/),
    ]);
  });

  it('allows the engine its own mesh port from a subfolder', async () => {
    const code = "import type { Mesh } from '../mesh';\nexport type M = Mesh;\n";
    expect(await errorsFor(code, 'src/engine/placement/x.ts')).toEqual([]);
    expect(await errorsFor(code, 'src/engine/x.ts')).not.toEqual([]);
    const deep = "import { node } from '../../mesh/node';\nexport const n = node;\n";
    expect(await errorsFor(deep, 'src/engine/placement/x.ts')).toEqual([expect.stringMatching(/^tabswarm\/engine-boundary:/)]);
  });

  it('does not apply the rule outside src/engine', async () => {
    expect(await errorsFor('export const t = Date.now();\n', 'src/workers/x.ts')).toEqual([]);
  });
});
