import type { Mesh, MeshDelivery, MeshPeerEvent } from '../ports/mesh';
import { SeededRandom } from './seeded-random';
import type { ContractHarness } from './contract-harness';

// The promises of the Mesh port, as checks every adapter must pass: MemoryMesh under vitest, the
// libp2p mesh inside real Chromium. Nothing here imports a test framework; the runner hands in its
// own describe/it. A real network needs real time, so positive checks settle repeatedly until
// they hold (up to a bound) and negative checks settle once before looking.

/** Meshes under test, fresh for each case. */
export interface MeshSubject {
  /** At least three meshes, not yet started, that can all reach each other once started. */
  readonly meshes: readonly Mesh[];
  /** Lets time pass so that in-flight messages and events arrive (virtual time for memory, a real wait for libp2p). */
  settle(): Promise<void>;
  /** Stops every mesh and releases what the subject holds. */
  dispose(): Promise<void>;
}

/** One check of the contract. */
export interface MeshContractCase {
  readonly name: string;
  run(subject: MeshSubject): Promise<void>;
}

export type { ContractHarness as MeshContractHarness } from './contract-harness';

const MiB = 1024 * 1024;
/** How many settles a positive check may take before it fails. */
const MAX_SETTLES = 50;

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`Mesh contract: ${message}`);
}

async function settleUntil(subject: MeshSubject, condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < MAX_SETTLES; i++) {
    if (condition()) return;
    await subject.settle();
  }
  check(condition(), `${what} (still not so after ${MAX_SETTLES} settles)`);
}

function sameBytes(actual: Uint8Array, expected: Uint8Array): boolean {
  if (actual.byteLength !== expected.byteLength) return false;
  for (let i = 0; i < actual.byteLength; i++) if (actual[i] !== expected[i]) return false;
  return true;
}

function payload(size: number, seed: number): Uint8Array {
  const random = new SeededRandom(seed);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = random.int(256);
  return bytes;
}

/** Everything one mesh hears, recorded from before it starts. */
interface Recorder {
  readonly messages: MeshDelivery[];
  readonly events: MeshPeerEvent[];
  saw(kind: MeshPeerEvent['kind'], peer: string): boolean;
}

function record(mesh: Mesh): Recorder {
  const messages: MeshDelivery[] = [];
  const events: MeshPeerEvent[] = [];
  // Copied, so that a transport reusing its receive buffer cannot rewrite what was recorded.
  mesh.onMessage((delivery) => messages.push({ from: delivery.from, bytes: delivery.bytes.slice() }));
  mesh.onPeer((event) => events.push(event));
  return { messages, events, saw: (kind, peer) => events.some((e) => e.kind === kind && e.peer === peer) };
}

function pick(subject: MeshSubject, count: number): Mesh[] {
  check(subject.meshes.length >= 3, `the subject must offer at least 3 meshes, it has ${subject.meshes.length}`);
  return subject.meshes.slice(0, count);
}

function fullyConnected(meshes: readonly Mesh[]): boolean {
  return meshes.every((mesh) => meshes.every((other) => other === mesh || mesh.peers().includes(other.self)));
}

async function startAll(subject: MeshSubject, meshes: readonly Mesh[]): Promise<void> {
  await Promise.all(meshes.map((mesh) => mesh.start()));
  await settleUntil(subject, () => fullyConnected(meshes), 'started meshes do not all list each other in peers()');
}

const cases: MeshContractCase[] = [
  {
    name: 'once started, every mesh lists every other in peers() and heard it connect',
    async run(subject) {
      const meshes = pick(subject, subject.meshes.length);
      const recorders = meshes.map(record);
      await startAll(subject, meshes);
      meshes.forEach((mesh, i) => {
        check(!mesh.peers().includes(mesh.self), `${mesh.self} lists itself in peers()`);
        for (const other of meshes) {
          if (other === mesh) continue;
          check(recorders[i]?.saw('connected', other.self) === true, `${mesh.self} got no connected event for ${other.self}`);
        }
      });
    },
  },
  {
    name: 'a message arrives intact at exactly the addressed peer, from its sender',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const [atA, atB, atC] = [a, b, c].map(record) as [Recorder, Recorder, Recorder];
      await startAll(subject, [a, b, c]);
      const bytes = payload(1000, 1);
      await a.send(b.self, bytes);
      await settleUntil(subject, () => atB.messages.length > 0, 'the message never arrived');
      await subject.settle();
      const [received] = atB.messages;
      const copies = atB.messages.length;
      check(copies === 1 && received !== undefined, `the addressed peer got ${copies} copies of one message`);
      check(received.from === a.self, `the message came "from" ${received.from}, not ${a.self}`);
      check(sameBytes(received.bytes, bytes), 'the message arrived with different bytes');
      check(atA.messages.length === 0 && atC.messages.length === 0, 'a peer that was not addressed got the message');
    },
  },
  {
    name: '100 messages between a pair all arrive once, intact',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const atB = record(b);
      await startAll(subject, [a, b, c]);
      const sent = Array.from({ length: 100 }, (_, i) => {
        const bytes = payload(64 + i, 100 + i);
        bytes[0] = i;
        return bytes;
      });
      await Promise.all(sent.map((bytes) => a.send(b.self, bytes)));
      await settleUntil(subject, () => atB.messages.length >= 100, `only ${atB.messages.length} of 100 messages arrived`);
      await subject.settle();
      check(atB.messages.length === 100, `${atB.messages.length} messages arrived for 100 sent: some came twice`);
      const seen = new Set<number>();
      for (const message of atB.messages) {
        const index = message.bytes[0] ?? -1;
        const original = sent[index];
        check(original !== undefined && sameBytes(message.bytes, original), `message ${index} arrived with different bytes`);
        seen.add(index);
      }
      check(seen.size === 100, `${seen.size} distinct messages arrived out of 100`);
    },
  },
  {
    name: 'a 1 MiB message arrives intact',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const atB = record(b);
      await startAll(subject, [a, b, c]);
      const bytes = payload(MiB, 2);
      await a.send(b.self, bytes);
      await settleUntil(subject, () => atB.messages.length > 0, 'the 1 MiB message never arrived');
      const received = atB.messages[0]?.bytes ?? new Uint8Array();
      check(sameBytes(received, bytes), 'the 1 MiB message arrived with different bytes');
    },
  },
  {
    name: 'every pair can talk, both ways',
    async run(subject) {
      const meshes = pick(subject, 3);
      const recorders = meshes.map(record);
      await startAll(subject, meshes);
      for (const from of meshes) {
        for (const to of meshes) if (to !== from) await from.send(to.self, new TextEncoder().encode(from.self));
      }
      const everyoneHeard = (): boolean => recorders.every((r) => r.messages.length >= meshes.length - 1);
      await settleUntil(subject, everyoneHeard, 'some messages between pairs never arrived');
      recorders.forEach((recorder, i) => {
        const self = meshes[i]?.self;
        for (const message of recorder.messages) {
          const claimed = new TextDecoder().decode(message.bytes);
          check(claimed === message.from, `${self} got a message from ${claimed} marked from ${message.from}`);
        }
        const senders = new Set(recorder.messages.map((message) => message.from));
        const others = meshes.filter((mesh) => mesh.self !== self);
        check(others.every((mesh) => senders.has(mesh.self)), `${self} did not hear from every other mesh`);
      });
    },
  },
  {
    name: 'an unsubscribed handler gets no more messages, others still do',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const first: MeshDelivery[] = [];
      const second: MeshDelivery[] = [];
      const unsubscribe = b.onMessage((delivery) => first.push(delivery));
      b.onMessage((delivery) => second.push(delivery));
      await startAll(subject, [a, b, c]);
      await a.send(b.self, payload(10, 3));
      await settleUntil(subject, () => first.length === 1 && second.length === 1, 'both handlers should get the first message');
      unsubscribe();
      await a.send(b.self, payload(10, 4));
      await settleUntil(subject, () => second.length === 2, 'the remaining handler never got the second message');
      await subject.settle();
      check(first.length === 1, 'an unsubscribed handler still got a message');
    },
  },
  {
    name: 'send to an unknown peer rejects',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      await startAll(subject, [a, b, c]);
      let rejected = false;
      try {
        await a.send('no-such-peer', payload(10, 5));
      } catch {
        rejected = true;
      }
      check(rejected, 'send to a peer id nobody has resolved');
    },
  },
  {
    name: 'when a mesh stops, the others see it disconnect and drop it from peers()',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const [atA, atB] = [a, b].map(record) as [Recorder, Recorder];
      await startAll(subject, [a, b, c]);
      await c.stop();
      const gone = (): boolean => !a.peers().includes(c.self) && !b.peers().includes(c.self);
      await settleUntil(subject, gone, 'a stopped mesh is still in the others\' peers()');
      check(atA.saw('disconnected', c.self) && atB.saw('disconnected', c.self), 'no disconnected event for a stopped mesh');
      check(a.peers().includes(b.self) && b.peers().includes(a.self), 'one mesh stopping cut the link between two others');
    },
  },
  {
    name: 'a stopped mesh receives nothing and lists no peers',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const atC = record(c);
      await startAll(subject, [a, b, c]);
      await c.stop();
      await settleUntil(subject, () => !a.peers().includes(c.self), 'the others never noticed a mesh stop');
      // Either outcome is allowed: a peer that just left may still be known or already forgotten.
      await a.send(c.self, payload(10, 6)).catch(() => undefined);
      await subject.settle();
      check(atC.messages.length === 0, 'a stopped mesh received a message');
      check(c.peers().length === 0, `a stopped mesh still lists peers: ${c.peers().join(', ')}`);
    },
  },
  {
    name: 'a mesh that starts later is announced to those already running, and they to it',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const [atA, atB, atC] = [a, b, c].map(record) as [Recorder, Recorder, Recorder];
      await startAll(subject, [a, b]);
      await c.start();
      const announced = (): boolean =>
        atA.saw('connected', c.self) &&
        atB.saw('connected', c.self) &&
        atC.saw('connected', a.self) &&
        atC.saw('connected', b.self);
      await settleUntil(subject, announced, 'connected events for a late starter are missing');
      await settleUntil(subject, () => fullyConnected([a, b, c]), 'a late starter is missing from peers()');
    },
  },
  {
    name: 'the buffer given to send may be reused once send resolves',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const atB = record(b);
      await startAll(subject, [a, b, c]);
      const original = payload(500, 7);
      const buffer = original.slice();
      await a.send(b.self, buffer);
      buffer.fill(0);
      await settleUntil(subject, () => atB.messages.length > 0, 'the message never arrived');
      check(sameBytes(atB.messages[0]?.bytes ?? new Uint8Array(), original), 'reusing the send buffer changed the message');
    },
  },
  {
    name: 'a mesh that stops and starts again is connected again and receives',
    async run(subject) {
      const [a, b, c] = pick(subject, 3) as [Mesh, Mesh, Mesh];
      const atC = record(c);
      await startAll(subject, [a, b, c]);
      await c.stop();
      await settleUntil(subject, () => !a.peers().includes(c.self), 'the others never noticed a mesh stop');
      await c.start();
      await settleUntil(subject, () => fullyConnected([a, b, c]), 'a restarted mesh did not reconnect');
      await a.send(c.self, payload(10, 8));
      await settleUntil(subject, () => atC.messages.length === 1, 'a restarted mesh got no message');
    },
  },
];

/** Every check of the Mesh contract, to run one by one (each with a fresh subject). */
export const meshContractCases: ReadonlyArray<MeshContractCase> = cases;

/** Registers one test per contract case under `label`, each with a fresh subject from `makeSubject`. */
export function runMeshContract(
  label: string,
  makeSubject: () => Promise<MeshSubject>,
  harness: ContractHarness,
): void {
  harness.describe(`${label} (Mesh contract)`, () => {
    for (const contractCase of meshContractCases) {
      harness.it(contractCase.name, async () => {
        const subject = await makeSubject();
        try {
          await contractCase.run(subject);
        } finally {
          await subject.dispose();
        }
      });
    }
  });
}
