import { describe, expect, it } from 'vitest';
import type { Mesh, MeshPeerEvent } from '../ports/mesh';
import { meshContractCases, runMeshContract, type MeshSubject } from './mesh-contract';
import { MemoryNetwork, type MemoryNetworkOptions } from './memory-mesh';
import { SeededRandom } from './seeded-random';
import { VirtualScheduler } from './virtual-scheduler';

function memorySubject(wrap: (mesh: Mesh) => Mesh = (mesh) => mesh): MeshSubject {
  const scheduler = new VirtualScheduler();
  const network = new MemoryNetwork({ scheduler, random: new SeededRandom(7) });
  const meshes = ['alpha', 'beta', 'gamma', 'delta'].map((id) => wrap(network.join(id)));
  return {
    meshes,
    settle: async () => {
      scheduler.runUntilIdle();
    },
    dispose: async () => {
      await Promise.all(meshes.map((mesh) => mesh.stop()));
      scheduler.runUntilIdle();
    },
  };
}

runMeshContract('MemoryMesh', async () => memorySubject(), { describe, it });

/** A network of started meshes with a log of everything each one hears. */
function setUp(options: Partial<MemoryNetworkOptions> & { seed?: number }, ids = ['a', 'b', 'c']) {
  const scheduler = new VirtualScheduler();
  const network = new MemoryNetwork({ scheduler, random: new SeededRandom(options.seed ?? 1), ...options });
  const meshes = new Map(ids.map((id) => [id, network.join(id)]));
  const heard: string[] = [];
  const events = new Map<string, MeshPeerEvent[]>(ids.map((id) => [id, []]));
  for (const [id, mesh] of meshes) {
    mesh.onMessage((d) => heard.push(`${id}<-${d.from}:${new TextDecoder().decode(d.bytes)}@${scheduler.now()}`));
    mesh.onPeer((event) => events.get(id)?.push(event));
  }
  const mesh = (id: string): Mesh => {
    const found = meshes.get(id);
    if (found === undefined) throw new Error(`no mesh ${id} in this test`);
    return found;
  };
  const startAll = async () => {
    for (const m of meshes.values()) await m.start();
    scheduler.runUntilIdle();
  };
  const say = (from: string, to: string, text: string) => mesh(from).send(to, new TextEncoder().encode(text));
  return { scheduler, network, mesh, heard, events, startAll, say };
}

async function deliveryLog(seed: number): Promise<string[]> {
  const net = setUp({ seed });
  await net.startAll();
  for (let i = 0; i < 20; i++) {
    await net.say('a', 'b', `a${i}`);
    await net.say('c', 'b', `c${i}`);
    await net.say('b', 'a', `b${i}`);
  }
  net.scheduler.runUntilIdle();
  return net.heard;
}

describe('MemoryNetwork', () => {
  it('replays the same delivery order for the same seed', async () => {
    const first = await deliveryLog(42);
    expect(first).toHaveLength(60);
    expect(await deliveryLog(42)).toEqual(first);
  });

  it('delivers in a different, shuffled order for another seed', async () => {
    const one = await deliveryLog(1);
    const two = await deliveryLog(2);
    expect(two).not.toEqual(one);
    const fromA = one.filter((line) => line.startsWith('b<-a')).map((line) => line.split(':')[1]?.split('@')[0]);
    const sentOrder = Array.from({ length: 20 }, (_, i) => `a${i}`);
    expect(fromA).not.toEqual(sentOrder);
    expect([...fromA].sort()).toEqual([...sentOrder].sort());
  });

  it('with lossRate 1 drops every message and counts it', async () => {
    const net = setUp({ lossRate: 1 });
    await net.startAll();
    for (let i = 0; i < 50; i++) await net.say('a', 'b', `m${i}`);
    net.scheduler.runUntilIdle();
    expect(net.heard).toEqual([]);
    expect(net.network.dropped).toBe(50);
    expect(net.network.delivered).toBe(0);
  });

  it('with a partial lossRate accounts for every message', async () => {
    const net = setUp({ lossRate: 0.3, seed: 5 });
    await net.startAll();
    for (let i = 0; i < 200; i++) await net.say('a', 'b', `m${i}`);
    net.scheduler.runUntilIdle();
    expect(net.network.delivered + net.network.dropped).toBe(200);
    expect(net.network.dropped).toBeGreaterThan(30);
    expect(net.network.dropped).toBeLessThan(100);
    expect(net.heard).toHaveLength(net.network.delivered);
  });

  it('keeps latency within its bounds, measured in scheduler time', async () => {
    const net = setUp({ latencyMs: [10, 20] });
    await net.startAll();
    const sentAt = net.scheduler.now();
    for (let i = 0; i < 100; i++) await net.say('a', 'b', `m${i}`);
    net.scheduler.runUntilIdle();
    const delays = net.heard.map((line) => Number(line.split('@')[1]) - sentAt);
    expect(delays).toHaveLength(100);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...delays)).toBeLessThanOrEqual(20);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(5);
  });

  it('partition cuts both directions with disconnected events, and heal restores them', async () => {
    const net = setUp({});
    await net.startAll();
    net.network.partition(['a', 'b'], ['c']);
    net.scheduler.runUntilIdle();
    expect(net.mesh('a').peers()).toEqual(['b']);
    expect(net.mesh('c').peers()).toEqual([]);
    expect(net.events.get('c')?.filter((e) => e.kind === 'disconnected').map((e) => e.peer).sort()).toEqual(['a', 'b']);
    expect(net.events.get('a')).toContainEqual({ peer: 'c', kind: 'disconnected' });

    await net.say('a', 'c', 'across');
    await net.say('c', 'b', 'back across');
    await net.say('a', 'b', 'same side');
    net.scheduler.runUntilIdle();
    expect(net.heard.map((line) => line.split('@')[0])).toEqual(['b<-a:same side']);
    expect(net.network.dropped).toBe(2);

    net.network.heal();
    net.scheduler.runUntilIdle();
    expect(net.mesh('c').peers().sort()).toEqual(['a', 'b']);
    expect(net.events.get('a')?.at(-1)).toEqual({ peer: 'c', kind: 'connected' });
    await net.say('c', 'a', 'healed');
    net.scheduler.runUntilIdle();
    expect(net.heard.at(-1)).toMatch(/^a<-c:healed@/);
  });

  it('hold delays one direction of a link until its time, losing nothing and leaving the other direction alone', async () => {
    const net = setUp({ latencyMs: [10, 10] });
    await net.startAll();
    const heldAt = net.scheduler.now();
    net.network.hold('a', 'b', heldAt + 500);
    await net.say('a', 'b', 'late');
    await net.say('b', 'a', 'on time');
    await net.say('a', 'c', 'elsewhere');
    net.scheduler.runUntilIdle();
    const at = (text: string): number => Number(net.heard.find((line) => line.includes(`:${text}@`))?.split('@')[1]) - heldAt;
    expect([at('late'), at('on time'), at('elsewhere')]).toEqual([510, 10, 10]);
    expect(net.network.dropped).toBe(0);
  });

  it('loses messages in flight when the link is cut or either end stops', async () => {
    const net = setUp({ latencyMs: [10, 10] });
    await net.startAll();
    await net.say('a', 'c', 'cut by partition');
    await net.say('a', 'b', 'receiver stops');
    await net.say('c', 'b', 'sender stops');
    net.network.partition(['a'], ['c']);
    await net.mesh('b').stop();
    await net.mesh('c').stop();
    net.scheduler.runUntilIdle();
    expect(net.heard).toEqual([]);
    expect(net.network.dropped).toBe(3);
  });

  it('tells a mesh that stopped before its events arrived nothing, and others of the stop', async () => {
    const net = setUp({});
    await net.mesh('a').start();
    await net.mesh('b').start();
    await net.mesh('a').stop();
    net.scheduler.runUntilIdle();
    expect(net.events.get('a')).toEqual([]);
    expect(net.mesh('a').peers()).toEqual([]);
    expect(net.events.get('b')).toEqual([
      { peer: 'a', kind: 'connected' },
      { peer: 'a', kind: 'disconnected' },
    ]);
    expect(net.mesh('b').peers()).toEqual([]);
  });

  it('copies the bytes on send, so the sender may reuse its buffer at once', async () => {
    const net = setUp({});
    await net.startAll();
    const buffer = new TextEncoder().encode('original');
    await net.mesh('a').send('b', buffer);
    buffer.fill(0);
    net.scheduler.runUntilIdle();
    expect(net.heard[0]).toMatch(/^b<-a:original@/);
  });

  it('refuses misuse with errors that say what to do', async () => {
    const net = setUp({});
    expect(() => net.network.join('a')).toThrow(/already joined/);
    await expect(net.say('a', 'b', 'too early')).rejects.toThrow(/call start\(\)/);
    await net.startAll();
    await expect(net.say('a', 'a', 'me')).rejects.toThrow(/itself/);
    await expect(net.say('a', 'nobody', 'hello')).rejects.toThrow(/unknown/);
    expect(() => net.network.partition(['a'], ['nobody'])).toThrow(/join\(\)/);
    expect(() => net.network.partition(['a'], ['a'])).toThrow(/both sides/);
    const scheduler = new VirtualScheduler();
    const random = new SeededRandom(1);
    expect(() => new MemoryNetwork({ scheduler, random, latencyMs: [5, 1] })).toThrow(RangeError);
    expect(() => new MemoryNetwork({ scheduler, random, lossRate: 1.5 })).toThrow(RangeError);
  });
});

describe('the Mesh contract can fail', () => {
  it('rejects a mesh whose unsubscribe does nothing', async () => {
    const contractCase = meshContractCases.find((c) => c.name.startsWith('an unsubscribed handler'));
    const deaf = (mesh: Mesh): Mesh =>
      Object.assign(Object.create(mesh) as Mesh, {
        onMessage: (handler: Parameters<Mesh['onMessage']>[0]) => {
          mesh.onMessage(handler);
          return () => undefined;
        },
      });
    const subject = memorySubject(deaf);
    try {
      await expect(contractCase?.run(subject)).rejects.toThrow(/Mesh contract: an unsubscribed handler still got a message/);
    } finally {
      await subject.dispose();
    }
  });

  it('has at least 8 cases with distinct names', () => {
    const names = meshContractCases.map((c) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(new Set(names).size).toBe(names.length);
  });
});
