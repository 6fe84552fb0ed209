import { describe, expect, it } from 'vitest';
import { PIECE_BYTES, pieceCount } from '../content-id';
import { SeededRandom } from '../testing/seeded-random';
import { SimulatedSwarm } from '../testing/simulated-swarm';
import { decodeMessage, encodeMessage, WIRE_VERSION } from './messages';
import { defaultEngineSettings } from './engine-settings';
import { defaultDownloadSettings } from './download-settings';

// Shards move as verified pieces pulled by the receiver (see messages.ts). These tests run
// real engine nodes on the in-memory mesh and break links and bytes on the way.

function bigShards(seed: number, count: number, size: number): Uint8Array[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => Uint8Array.from({ length: size }, () => random.int(256)));
}

/** Shards like a table's columns: runs of small counters and repeated short texts, which deflate well. */
function tabularShards(seed: number, count: number, size: number): Uint8Array[] {
  const random = new SeededRandom(seed);
  const words = ['alpha', 'beta', 'gamma', 'delta'].map((word) => new TextEncoder().encode(word));
  return Array.from({ length: count }, () => {
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; ) {
      const word = words[random.int(words.length)] ?? new Uint8Array(1);
      bytes.set(word.subarray(0, size - at), at);
      at += word.length;
      if (at < size) bytes[at++] = random.int(10);
    }
    return bytes;
  });
}

function totalPiecesReceived(swarm: SimulatedSwarm): number {
  return swarm.ids().reduce((sum, id) => sum + swarm.engine(id).transferCounters().piecesReceived, 0);
}

describe('shard transfers in pieces', () => {
  it('replicate multi-piece shards by pulling each piece exactly once per new copy', async () => {
    const size = 3 * PIECE_BYTES + 123;
    const swarm = new SimulatedSwarm({ seed: 21 });
    for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    const manifest = await swarm.upload('n0', 'big', bigShards(21, 3, size));
    await swarm.run(20_000);
    const holders = await swarm.holders(manifest.shards.map((shard) => shard.id));
    for (const nodes of holders.values()) expect(nodes).toHaveLength(3);
    // The uploader's own staged copies were stored, not transferred.
    const transferred = swarm.copiesStored - manifest.shards.length;
    expect(transferred).toBeGreaterThanOrEqual(6);
    expect(totalPiecesReceived(swarm)).toBe(transferred * pieceCount(size));
  });

  it('pieces that deflate well travel deflated and arrive as they were; random pieces go as they are', async () => {
    const size = 3 * PIECE_BYTES + 99;
    for (const [kind, shards] of [['tabular', tabularShards(31, 2, size)], ['random', bigShards(31, 2, size)]] as const) {
      const swarm = new SimulatedSwarm({ seed: 31 });
      for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
      await swarm.run(3_000);
      const manifest = await swarm.upload('n0', kind, [...shards]);
      await swarm.run(20_000);
      const holders = await swarm.holders(manifest.shards.map((shard) => shard.id));
      for (const nodes of holders.values()) expect(nodes, kind).toHaveLength(3);
      const reader = swarm.ids().find((id) => !(holders.get(manifest.shards[0]?.id ?? '') ?? []).includes(id)) ?? '';
      expect(await swarm.fetchShard(reader, manifest.shards[0]?.id ?? ''), kind).toEqual(shards[0]);
      const served = swarm.ids().map((id) => swarm.engine(id).transferCounters());
      const plain = served.reduce((sum, counters) => sum + counters.bytesServed, 0);
      const wire = served.reduce((sum, counters) => sum + counters.wireBytesServed, 0);
      // At least the four copies that crossed (the uploader keeps one of each shard's three) and the fetch.
      expect(plain, kind).toBeGreaterThanOrEqual(5 * size);
      if (kind === 'tabular') expect(wire, kind).toBeLessThan(plain / 2);
      else expect(wire, kind).toBe(plain);
    }
  });

  it.each(['random', 'tabular'] as const)('a %s piece corrupted on the way is rejected, its sender penalized, and the rest comes from the next holder', async (kind) => {
    const size = 4 * PIECE_BYTES;
    let corruptedFrom = '';
    const swarm = new SimulatedSwarm({
      seed: 22,
      tamper: (from, _to, bytes) => {
        if (corruptedFrom !== '' || bytes[0] !== WIRE_VERSION) return bytes;
        const message = decodeMessage(bytes);
        if (message.type !== 'piece' || !message.ok || message.index !== 1 || !tamperOn) return bytes;
        expect(message.deflated).toBe(kind === 'tabular');
        corruptedFrom = from;
        const bad = message.bytes.slice();
        bad[7] = (bad[7] ?? 0) ^ 0xff;
        return encodeMessage({ ...message, bytes: bad });
      },
    });
    let tamperOn = false;
    for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    const [original] = kind === 'random' ? bigShards(22, 1, size) : tabularShards(22, 1, size);
    const manifest = await swarm.upload('n0', 'big', [original ?? new Uint8Array()]);
    await swarm.run(20_000);
    const shard = manifest.shards[0]?.id ?? '';
    const holders = (await swarm.holders([shard])).get(shard) ?? [];
    const reader = swarm.ids().find((id) => !holders.includes(id)) ?? '';
    const before = swarm.engine(reader).transferCounters();
    tamperOn = true;
    const bytes = await swarm.fetchShard(reader, shard);
    expect(bytes).toEqual(original);
    expect(holders).toContain(corruptedFrom);
    // A deflated piece with a flipped byte either fails to inflate to the piece's size or inflates to other bytes.
    expect(swarm.penalties(reader)).toEqual([expect.stringMatching(new RegExp(`^${corruptedFrom}: sent piece 1 (that does not match its hash|deflated into something other than)`))]);
    const after = swarm.engine(reader).transferCounters();
    expect(after.piecesRejected - before.piecesRejected).toBe(1);
    // Pieces verified from the first holder were kept: only the bad one came again.
    expect(after.piecesReceived - before.piecesReceived).toBe(pieceCount(size));
  });

  // Broken for less than the downloads' silence limit, they wait (no holder but the cut-off
  // uploader has a whole copy); for longer, they park, and resume when the copy is offered again.
  it.each([
    ['briefly', 2_000],
    ['past the silence limit', defaultDownloadSettings.silenceMs + 2_000],
  ])('a link broken mid-transfer (%s) resumes from the verified pieces once it heals', async (_, breakMs) => {
    const size = 24 * PIECE_BYTES;
    const swarm = new SimulatedSwarm({ seed: 23, latencyMs: [5, 10] });
    for (let i = 0; i < 4; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    const manifest = await swarm.upload('n0', 'big', bigShards(23, 1, size));
    const shard = manifest.shards[0]?.id ?? '';
    // Run until some receiver holds part of the shard, then cut the uploader off.
    const partial = (): boolean =>
      swarm.ids().some((id) => swarm.engine(id).downloadsInProgress().some((d) => d.received > 0 && d.received < d.size));
    for (let waited = 0; !partial() && waited < 5_000; waited += 5) await swarm.run(5, 5);
    expect(partial()).toBe(true);
    swarm.partition(['n0'], ['n1', 'n2', 'n3']);
    await swarm.run(breakMs);
    swarm.heal();
    await swarm.run(60_000);
    const holders = (await swarm.holders([shard])).get(shard) ?? [];
    expect(holders).toHaveLength(3);
    const resumed = swarm.ids().reduce((sum, id) => sum + swarm.engine(id).transferCounters().resumed, 0);
    if (breakMs > defaultDownloadSettings.silenceMs) expect(resumed).toBeGreaterThanOrEqual(1);
    else expect(resumed).toBe(0);
    // No piece was pulled twice: every piece received belongs to exactly one stored copy.
    expect(totalPiecesReceived(swarm)).toBe((swarm.copiesStored - 1) * pieceCount(size));
  });

  it('a download whose link to the uploader stalls goes on from a holder that got its copy since, without waiting out the silence', async () => {
    const size = 24 * PIECE_BYTES;
    // Slow links: copies take a while, so a reader can learn of the dataset before any lands.
    const swarm = new SimulatedSwarm({ seed: 25, latencyMs: [100, 150] });
    for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    const manifest = await swarm.upload('n0', 'big', bigShards(25, 1, size));
    const shard = manifest.shards[0]?.id ?? '';
    const reader = 'n4';
    for (let waited = 0; !swarm.engine(reader).catalogSnapshot().manifests.some((m) => m.id === manifest.id) && waited < 5_000; waited += 50) await swarm.run(50);
    expect(swarm.engine(reader).holderLookup()(shard)).toEqual(['n0']);
    // Then all the uploader sends the reader is lost, with no disconnect seen (as on a
    // congested WebRTC association), while the others get their copies.
    swarm.stall('n0', reader);
    // The download asks who holds it now, and leaves the uploader once it has been silent for
    // 2 s while another holder has the shard: well before the 5 s it waits when none has.
    const stalledAt = swarm.now();
    const bytes = await swarm.fetchShard(reader, shard, 20_000);
    expect(bytes.length).toBe(size);
    // Seed 25: 4.05 s with the switch; 7.05 s with only the silence rule.
    expect(swarm.now() - stalledAt).toBeLessThan(defaultDownloadSettings.silenceMs);
    expect(swarm.penalties('n0')).toEqual([]);
    // The reader counts the uploader as a holder it left for silence.
    expect(swarm.engine(reader).transferCounters()).toMatchObject({ sourcesGivenUp: 1, sourcesSilent: 1 });
    expect(swarm.engine(reader).transferCounters().recentGiveUps).toEqual([expect.objectContaining({ shard, holder: 'n0', reason: expect.stringMatching(/another holder has the shard/) })]);
  });

  it('a holder whose link went silent is tried last by the downloads that follow', async () => {
    const size = 24 * PIECE_BYTES;
    const swarm = new SimulatedSwarm({ seed: 27, latencyMs: [100, 150] });
    for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    const manifest = await swarm.upload('n0', 'big', bigShards(27, 4, size));
    const reader = 'n4';
    for (let waited = 0; !swarm.engine(reader).catalogSnapshot().manifests.some((m) => m.id === manifest.id) && waited < 5_000; waited += 50) await swarm.run(50);
    const [first, ...others] = manifest.shards.map((shard) => shard.id);
    swarm.stall('n0', reader);
    await swarm.fetchShard(reader, first ?? '', 20_000);
    // (Copies placed on the reader were pulled from n0 meanwhile, and left it too.)
    expect(new Set(swarm.engine(reader).transferCounters().recentGiveUps.map((giveUp) => giveUp.holder))).toEqual(new Set(['n0']));
    // A shard the uploader still ranks first for, now that others hold it too.
    const lookup = swarm.engine(reader).holderLookup();
    const ranked = (shard: string): readonly string[] => lookup(shard);
    for (let waited = 0; !others.some((shard) => ranked(shard)[0] === 'n0' && ranked(shard).length > 1) && waited < 10_000; waited += 100) await swarm.run(100);
    const second = others.find((shard) => ranked(shard)[0] === 'n0' && ranked(shard).length > 1);
    expect(second, 'a shard whose best holder is the silent one').toBeDefined();
    await swarm.fetchShard(reader, second ?? '', 20_000);
    // It went to another holder first: n0, still stalled, would have had to be left again.
    expect(swarm.engine(reader).transferCounters().recentGiveUps.filter((giveUp) => giveUp.shard === second)).toEqual([]);
  });

  it("a copy whose link to the uploader stalls goes on from another receiver's verified pieces, before that copy is whole", async () => {
    const size = 24 * PIECE_BYTES;
    // One piece in flight, so each copy takes seconds: both are still arriving when the stall is seen.
    const settings = { ...defaultEngineSettings, downloads: { ...defaultDownloadSettings, window: 1 } };
    const swarm = new SimulatedSwarm({ seed: 28, latencyMs: [100, 150], settings });
    for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    const manifest = await swarm.upload('n0', 'big', bigShards(28, 1, size));
    const shard = manifest.shards[0]?.id ?? '';
    const receiving = (): string[] => swarm.ids().filter((id) => swarm.engine(id).downloadsInProgress().some((d) => d.shard === shard && d.received > 0));
    for (let waited = 0; receiving().length < 2 && waited < 5_000; waited += 10) await swarm.run(10, 10);
    const [stalled = '', other = ''] = receiving();
    expect(other).not.toBe('');
    // From now on everything the uploader sends this receiver is lost; the link never recovers.
    swarm.stall('n0', stalled);
    const stalledAt = swarm.now();
    const holds = async (id: string): Promise<boolean> => ((await swarm.holders([shard])).get(shard) ?? []).includes(id);
    let otherDoneAt = Infinity;
    for (let waited = 0; !(await holds(stalled)) && waited < 30_000; waited += 50) {
      await swarm.run(50, 10);
      if (otherDoneAt === Infinity && (await holds(other))) otherDoneAt = swarm.now();
    }
    expect(await holds(stalled)).toBe(true);
    // The stalled receiver left the uploader for the other receiver while that copy was still
    // arriving, and the other passed on pieces as it verified them: the stalled copy landed
    // about when the other did, not a whole copy's transfer (about 6 s here) after it.
    const leftUploader = swarm.engine(stalled).transferCounters().recentGiveUps.find((giveUp) => giveUp.holder === 'n0');
    expect(leftUploader?.reason).toMatch(/another holder has the shard/);
    expect(leftUploader?.at ?? Infinity).toBeLessThan(otherDoneAt);
    // Checked every 250 ms while downloads run, not only at the 1 s ticks.
    expect(leftUploader?.at ?? Infinity).toBeLessThanOrEqual(stalledAt + defaultDownloadSettings.switchAfterMs + 250);
    expect(swarm.engine(other).transferCounters().bytesRelayed).toBeGreaterThan(size / 2);
    expect(swarm.now() - otherDoneAt).toBeLessThan(2_000);
    expect(swarm.ids().flatMap((id) => swarm.penalties(id))).toEqual([]);
    // Relayed or not, no piece was pulled twice.
    expect(totalPiecesReceived(swarm)).toBe((swarm.copiesStored - 1) * pieceCount(size));
  });

  it('offers lost on a stalled link are sent again, and the copies land long before the offers would time out', async () => {
    const swarm = new SimulatedSwarm({ seed: 26 });
    for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    // Everything the uploader sends is lost for 2 s, its first offers with it; no link closes.
    for (let i = 1; i < 5; i++) swarm.stall('n0', `n${i}`);
    const uploaded = swarm.now();
    const manifest = await swarm.upload('n0', 'big', bigShards(26, 2, 2 * PIECE_BYTES));
    await swarm.run(2_000);
    swarm.heal();
    const shards = manifest.shards.map((shard) => shard.id);
    const atR = async (): Promise<boolean> => [...(await swarm.holders(shards)).values()].every((nodes) => nodes.length === 3);
    for (let waited = 0; !(await atR()) && waited < 40_000; waited += 250) await swarm.run(250);
    expect(await atR()).toBe(true);
    // Sent again after 2 s of silence: at R within seconds of the heal, not after the 30 s timeout.
    expect(swarm.now() - uploaded).toBeLessThan(defaultEngineSettings.transferTimeoutMs / 2);
  });

  it.each([41, 42, 43])('seed %i: receivers that missed the manifest the uploader sent with its offers get it with the offers sent again, within seconds', async (seed) => {
    // The uploader's gossip loses its manifests for 1.5 s from the upload: receivers hold the
    // offers, waiting for a manifest that would otherwise come with some later gossip.
    let stripUntil = 0;
    const swarm = new SimulatedSwarm({
      seed,
      tamper: (from, _to, bytes) => {
        if (from !== 'n0' || swarm.now() >= stripUntil || bytes[0] !== WIRE_VERSION) return bytes;
        const message = decodeMessage(bytes);
        if (message.type !== 'gossip' || message.catalog.manifests.length === 0) return bytes;
        return encodeMessage({ ...message, catalog: { ...message.catalog, manifests: [] } });
      },
    });
    for (let i = 0; i < 5; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    stripUntil = swarm.now() + 1_500;
    const uploaded = swarm.now();
    const manifest = await swarm.upload('n0', 'big', bigShards(seed, 3, 2 * PIECE_BYTES));
    const shards = manifest.shards.map((shard) => shard.id);
    const atR = async (): Promise<boolean> => [...(await swarm.holders(shards)).values()].every((nodes) => nodes.length === 3);
    for (let waited = 0; !(await atR()) && waited < 20_000; waited += 100) await swarm.run(100);
    // Sent again after 2 s with the catalog: at R well before the next manifest gossip or the
    // 10 s the receivers hold offers for.
    expect(swarm.now() - uploaded).toBeLessThanOrEqual(defaultEngineSettings.offerAgainAfterMs + 1_000);
  });

  it('a fetch with every holder gone fails naming the shard, and keeps nothing half-done', async () => {
    const swarm = new SimulatedSwarm({ seed: 24 });
    for (let i = 0; i < 4; i++) await swarm.addNode(`n${i}`, `h${i}`);
    await swarm.run(3_000);
    const manifest = await swarm.upload('n0', 'big', bigShards(24, 1, 2 * PIECE_BYTES));
    await swarm.run(20_000);
    const shard = manifest.shards[0]?.id ?? '';
    const holders = (await swarm.holders([shard])).get(shard) ?? [];
    const reader = swarm.ids().find((id) => !holders.includes(id)) ?? '';
    for (const holder of holders) await swarm.crash(holder);
    const error = await swarm.fetchShard(reader, shard).catch((e: unknown) => e);
    expect(String(error)).toContain(`shard ${shard} could not be fetched`);
    expect(await swarm.store(reader).has(shard)).toBe(false);
  });
});
