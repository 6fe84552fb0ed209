import { PIECE_BYTES, pieceCount, pieceListBytes } from '../content-id';
import { inflatePiece, type WirePiece } from '../piece-deflate';
import type { DigestCheck, EngineEffect } from './engine-io';
import type { DownloadSettings } from './download-settings';
import type { EngineMessage } from './messages';

type PieceCheck = Extract<DigestCheck, { kind: 'piece' }>;

interface PieceAsk {
  readonly holder: string;
  readonly at: number;
}

/** Who waits for a download: a fetch (export, queries) or an offer to keep a copy. */
export type DownloadWaiter = { readonly kind: 'fetch'; readonly request: number } | { readonly kind: 'copy'; readonly from: string };

interface Download {
  readonly shard: string;
  waiters: DownloadWaiter[];
  /** Holders still to try after `source`, best first. */
  sources: string[];
  /** Holders given up on since the download last parked: asked again only after that. */
  readonly triedSources: Set<string>;
  /** The holder being asked, or undefined while the download is parked. */
  source: string | undefined;
  size: number;
  /** The verified piece list, once a holder's list has hashed to the shard id. */
  hashes: readonly string[] | undefined;
  checkingList: boolean;
  /** Verified pieces; the rest are asked for. */
  pieces: (Uint8Array | undefined)[];
  /** The verified pieces as they came on the wire (deflated or not), to pass on as they are. */
  wire: (WirePiece | undefined)[];
  /**
   * Pieces asked for (or being checked), by index: the holders asked and when, oldest first.
   * A holder left early keeps its asks, as its pieces may still come (see askMore).
   */
  readonly asked: Map<number, PieceAsk[]>;
  /** Every holder this download has asked: a piece is taken from any of them, not only the one asked now. */
  readonly askedHolders: Set<string>;
  /** When the current holder last sent something useful (or was asked first). */
  lastProgressAt: number;
  /** When anything was last verified, from any holder (or the download began or resumed). */
  verifiedAt: number;
  /** Holders left early (for another) since then: each such leave waits twice as long as the last. */
  earlyLeaves: number;
  readonly failures: string[];
  parkedAt: number;
}

/**
 * A copy this node is still receiving, as far as it is verified: what it can pass on to a
 * peer whose own link to the holders stalled. `growing` while a holder is still sending.
 */
export interface PartialCopy {
  readonly size: number;
  /** The verified piece list, once it has arrived. */
  readonly hashes: readonly string[] | undefined;
  readonly growing: boolean;
  piece(index: number): Uint8Array | undefined;
  /** A verified piece as it came on the wire: passed on as it is, not deflated again. */
  wirePiece(index: number): WirePiece | undefined;
}

/** A whole verified copy, with its piece hashes and its pieces as they came on the wire. */
export interface FinishedCopy {
  readonly bytes: Uint8Array;
  readonly hashes: readonly string[];
  readonly wire: readonly (WirePiece | undefined)[];
}

/** A download verified more of its shard (`finished` with the whole of it), or stopped growing. */
export type DownloadProgressed = (shard: string, finished: FinishedCopy | undefined, effects: EngineEffect[]) => void;

/** A holder a download left, and why: what a stalled link looks like from the receiving side. */
export interface GiveUp {
  readonly shard: string;
  readonly holder: string;
  readonly reason: string;
  readonly at: number;
}

/**
 * A piece asked of a holder the download has left early is asked of the next holder only once
 * this long has passed since it was asked, or once the next holder has nothing else to send.
 * Until then it may still come: a stalled WebRTC link delivers what was in flight when it
 * recovers, and asking again at once sent a whole window twice at every leave (distribution
 * bench on a slow machine: the uploader sent 106 MB for 56 MB of copies, 60 leaves). An ask
 * this old counts as lost, even of the holder asked now once it has sent something since (a
 * link that broke and came back loses what was on it).
 */
const ASK_AGAIN_AFTER_MS = 3_000;

/** Give-ups kept for diagnostics, newest last. */
const RECENT_GIVE_UPS = 32;
/**
 * A holder left for silence is tried last for this long, and other downloads from it leave
 * it after a quarter of `switchAfterMs`: a stalled WebRTC association stalls every download
 * over it (in the distribution bench, one receiver left the same holder for 2-4 shards, in
 * waves a second apart, as downloads that had moved to it went silent in turn).
 */
const SILENT_LINK_MS = 5_000;
const SILENT_LINK_SWITCH_SHARE = 0.25;

/** What a node's downloads have done, for progress and tests. */
export interface DownloadCounters {
  piecesReceived: number;
  bytesReceived: number;
  piecesRejected: number;
  /** Downloads that went on from verified pieces kept from an earlier, broken attempt. */
  resumed: number;
  /** Holders given up on mid-download: refused, sent bad data, or went silent. */
  sourcesGivenUp: number;
  /** Of those, holders left for silence (`silenceMs`, or `switchAfterMs` while another has the shard). */
  sourcesSilent: number;
  /** Pieces used that arrived from a holder the download had left (see onPiece). */
  latePieces: number;
}

/**
 * The receiving side of shard transfers. A download pulls a shard from holders in order: it
 * asks for the piece list, checks it against the shard id, then keeps `window` pieces in
 * flight, checking each against its hash. A holder that refuses, goes silent or sends a bad
 * list or piece is given up on (and penalized for bad data); the download goes on from the
 * next holder, keeping every verified piece, and asks who holds the shard now once the
 * holders it began with are used up. With no holder left, fetches fail with the
 * reasons, and the verified pieces wait `keepPartialMs` for a new offer or fetch to resume.
 * Verified pieces can be passed on meanwhile (see partialCopy and `progressed`).
 */
export class ShardDownloads {
  readonly counters: DownloadCounters = { piecesReceived: 0, bytesReceived: 0, piecesRejected: 0, resumed: 0, sourcesGivenUp: 0, sourcesSilent: 0, latePieces: 0 };
  /** The last holders given up on (see GiveUp). */
  readonly recentGiveUps: GiveUp[] = [];
  private readonly downloads = new Map<string, Download>();
  /** Holders whose link to this node went silent lately, to when they count as silent. */
  private readonly silentLinks = new Map<string, number>();

  constructor(
    private readonly settings: DownloadSettings,
    private readonly send: (to: string, message: EngineMessage) => EngineEffect,
    /** Tells an offerer its copy will not arrive now (it offers again later, and the pieces resume). */
    private readonly declineOffer: (from: string, shard: string, reason: string) => EngineEffect,
    /**
     * The live holders of a shard now, best first. A download that has given up on every
     * holder it began with asks again before it parks: a new dataset's first copies begin
     * with the uploader alone, and by the time its link stalls, other copies may be stored.
     */
    private readonly holdersOf: (shard: string) => readonly string[],
    /** Told of every step, so that pieces verified here can be passed on before the copy is whole. */
    private readonly progressed: DownloadProgressed = () => undefined,
  ) {}

  /** Starts (or joins, or resumes) the download of `shard` from `sources`, best first. */
  want(shard: string, waiter: DownloadWaiter, sources: readonly string[], now: number, effects: EngineEffect[]): void {
    let download = this.downloads.get(shard);
    if (!download) {
      download = {
        shard,
        waiters: [],
        sources: [],
        triedSources: new Set(),
        source: undefined,
        size: 0,
        hashes: undefined,
        checkingList: false,
        pieces: [],
        wire: [],
        asked: new Map(),
        askedHolders: new Set(),
        lastProgressAt: now,
        verifiedAt: now,
        earlyLeaves: 0,
        failures: [],
        parkedAt: now,
      };
      this.downloads.set(shard, download);
    }
    if (!download.waiters.some((w) => sameWaiter(w, waiter))) download.waiters.push(waiter);
    for (const source of sources) if (source !== download.source && !download.sources.includes(source)) download.sources.push(source);
    if (download.source === undefined) {
      if (download.pieces.some((piece) => piece !== undefined)) this.counters.resumed++;
      download.verifiedAt = now;
      this.nextSource(download, now, effects);
    }
  }

  /** Whether any download is asking a holder now (not parked). */
  running(): boolean {
    for (const download of this.downloads.values()) if (download.source !== undefined) return true;
    return false;
  }

  /** Whether a download of `shard` is under way or parked with verified pieces. */
  has(shard: string): boolean {
    return this.downloads.has(shard);
  }

  /** What of `shard` is verified here so far, if it is being received (or parked with pieces). */
  partialCopy(shard: string): PartialCopy | undefined {
    const download = this.downloads.get(shard);
    if (!download) return undefined;
    return {
      size: download.size,
      hashes: download.hashes,
      growing: download.source !== undefined,
      piece: (index) => download.pieces[index],
      wirePiece: (index) => download.wire[index],
    };
  }

  /** A holder answered a piece-list request: check the list against the shard id. */
  onPieceList(from: string, message: Extract<EngineMessage, { type: 'pieces' }>, now: number, effects: EngineEffect[]): void {
    const download = this.downloads.get(message.shard);
    if (!download || download.source !== from || download.hashes !== undefined || download.checkingList) return;
    if (!message.ok) return this.giveUp(download, `${from}: ${message.reason}`, now, effects);
    download.checkingList = true;
    effects.push({
      type: 'check-digest',
      check: { kind: 'piece-list', shard: message.shard, from, size: message.size, hashes: message.hashes },
      expected: message.shard,
      bytes: pieceListBytes(message.hashes),
    });
  }

  /**
   * A holder sent a piece: inflate it if it came deflated, check its size, then its hash. A
   * piece still missing is taken from a holder the download has left, too: a stalled link
   * delivers what was in flight once it recovers, often before the holder asked since sends
   * it, and throwing it away would leave those bytes sent for nothing.
   */
  onPiece(from: string, message: Extract<EngineMessage, { type: 'piece' }>, now: number, effects: EngineEffect[]): void {
    const download = this.downloads.get(message.shard);
    const expected = download?.hashes?.[message.index];
    if (!download || expected === undefined || download.source === undefined || download.pieces[message.index] !== undefined) return;
    if (!download.askedHolders.has(from)) return;
    const current = from === download.source;
    if (!message.ok) {
      if (current) return this.giveUp(download, `${from}: ${message.reason}`, now, effects);
      // A holder left earlier cannot send it after all: the piece is asked of another now.
      this.forgetAsks(download, from, message.index);
      return this.askMore(download, now, effects);
    }
    const length = Math.min(PIECE_BYTES, download.size - message.index * PIECE_BYTES);
    const bytes = message.deflated ? inflatePiece(message.bytes, length) : message.bytes;
    if (!bytes) return this.reject(download, from, message.index, `sent piece ${message.index} deflated into something other than ${length} bytes`, now, effects);
    if (bytes.length !== length) return this.reject(download, from, message.index, `sent ${bytes.length} bytes for a ${length}-byte piece`, now, effects);
    const wire = { bytes: message.bytes, deflated: message.deflated };
    effects.push({ type: 'check-digest', check: { kind: 'piece', shard: message.shard, from, index: message.index, wire }, expected, bytes });
  }

  /** A hash check this module asked for came back. */
  onChecked(check: DigestCheck, ok: boolean, bytes: Uint8Array, now: number, effects: EngineEffect[]): void {
    const download = this.downloads.get(check.shard);
    if (!download || download.source === undefined) return;
    if (check.kind === 'piece') return this.onPieceChecked(download, check, ok, bytes, now, effects);
    if (download.source !== check.from) return;
    download.checkingList = false;
    if (!ok) return this.reject(download, check.from, undefined, 'sent a piece list that does not hash to the shard id', now, effects);
    download.hashes = check.hashes;
    download.size = check.size;
    if (download.pieces.length !== check.hashes.length) {
      download.pieces = new Array<Uint8Array | undefined>(pieceCount(check.size)).fill(undefined);
      download.wire = new Array<WirePiece | undefined>(download.pieces.length).fill(undefined);
    }
    this.madeProgress(download, now);
    this.askMore(download, now, effects);
    if (this.downloads.get(download.shard) === download) this.progressed(download.shard, undefined, effects);
  }

  /**
   * A piece's hash check came back. One from a holder left earlier (see onPiece) counts as
   * verified, but says nothing of the holder asked now: its silence is still measured.
   */
  private onPieceChecked(download: Download, check: PieceCheck, ok: boolean, bytes: Uint8Array, now: number, effects: EngineEffect[]): void {
    const { from, index } = check;
    if (download.pieces[index] !== undefined) return;
    if (!ok) return this.reject(download, from, index, `sent piece ${index} that does not match its hash`, now, effects);
    download.asked.delete(index);
    download.pieces[index] = bytes;
    download.wire[index] = check.wire;
    if (from === download.source) {
      this.madeProgress(download, now);
    } else {
      download.verifiedAt = now;
      this.counters.latePieces++;
    }
    this.counters.piecesReceived++;
    this.counters.bytesReceived += bytes.length;
    this.askMore(download, now, effects);
    if (this.downloads.get(download.shard) === download) this.progressed(download.shard, undefined, effects);
  }

  /** Something was verified: the holder is alive, and the early-leave backoff starts over. */
  private madeProgress(download: Download, now: number): void {
    download.lastProgressAt = download.verifiedAt = now;
    download.earlyLeaves = 0;
  }

  /** Gives up on silent holders and forgets parked pieces nobody came back for. */
  tick(now: number, effects: EngineEffect[]): void {
    for (const [holder, until] of this.silentLinks) if (until <= now) this.silentLinks.delete(holder);
    for (const download of [...this.downloads.values()]) {
      const source = download.source;
      if (source === undefined) {
        if (now - download.parkedAt >= this.settings.keepPartialMs) {
          this.downloads.delete(download.shard);
          this.progressed(download.shard, undefined, effects);
        }
        continue;
      }
      const silentMs = now - download.lastProgressAt;
      // Sooner from a link known to be stalled; later each time the download has already left
      // a holder early without anything verified since: otherwise it would flip between two
      // stalled holders every 250 ms, asking each for the same pieces again.
      const share = this.silentLinks.has(source) ? SILENT_LINK_SWITCH_SHARE : 1;
      const switchAfterMs = this.settings.switchAfterMs * share * 2 ** download.earlyLeaves;
      if (silentMs >= this.settings.silenceMs) {
        this.leaveSilent(download, source, `no answer within ${this.settings.silenceMs} ms`, false, now, effects);
      } else if (now - download.verifiedAt >= this.settings.silenceMs) {
        this.leaveSilent(download, source, `nothing verified from any holder within ${this.settings.silenceMs} ms`, false, now, effects);
      } else if (silentMs >= switchAfterMs && this.anotherHolder(download)) {
        this.leaveSilent(download, source, `nothing within ${Math.round(silentMs)} ms while another holder has the shard`, true, now, effects);
      } else if (download.hashes !== undefined) {
        // Asks that count as lost by now are made again, though nothing else happened.
        this.askMore(download, now, effects);
      }
    }
  }

  /**
   * Leaves a holder that went silent, and remembers its link as silent for a while. Left
   * early for another holder (`mayReturn`), it may be asked again should the others refuse
   * or stall too: a stalled link often recovers within seconds, and it may be the only
   * holder of the whole shard. The download gives up on it for good only once nothing has
   * been verified from anyone for `silenceMs`.
   */
  private leaveSilent(download: Download, source: string, reason: string, mayReturn: boolean, now: number, effects: EngineEffect[]): void {
    this.counters.sourcesSilent++;
    if (mayReturn) download.earlyLeaves++;
    this.silentLinks.set(source, now + SILENT_LINK_MS);
    this.giveUp(download, `${source}: ${reason}`, now, effects, mayReturn);
  }

  /** Bytes verified so far for each download (for progress). */
  progress(): { shard: string; received: number; size: number }[] {
    return [...this.downloads.values()].map((d) => ({ shard: d.shard, received: d.pieces.reduce((sum, p) => sum + (p?.length ?? 0), 0), size: d.size }));
  }

  /**
   * Bad data (a piece list, or piece `index`): its sender is penalized, and left if it is the
   * holder asked now; a holder left earlier has the piece asked of another.
   */
  private reject(download: Download, from: string, index: number | undefined, reason: string, now: number, effects: EngineEffect[]): void {
    this.counters.piecesRejected++;
    effects.push({ type: 'penalize', peer: from, reason: `${reason} (shard ${download.shard})` });
    if (from === download.source) return this.giveUp(download, `${from}: ${reason}`, now, effects);
    if (index !== undefined) this.forgetAsks(download, from, index);
    this.askMore(download, now, effects);
  }

  /**
   * Leaves the holder asked now for the next. One left early (`mayReturn`) keeps its asks, as
   * its pieces may still come; one given up on loses them.
   */
  private giveUp(download: Download, reason: string, now: number, effects: EngineEffect[], mayReturn = false): void {
    if (download.source !== undefined) {
      this.counters.sourcesGivenUp++;
      if (!mayReturn) {
        this.forgetAsks(download, download.source);
        download.triedSources.add(download.source);
      }
      this.recentGiveUps.push({ shard: download.shard, holder: download.source, reason, at: now });
      if (this.recentGiveUps.length > RECENT_GIVE_UPS) this.recentGiveUps.shift();
    }
    download.failures.push(reason);
    download.checkingList = false;
    this.nextSource(download, now, effects, download.source);
  }

  /** Whether a holder other than the current source, and not given up on, has the shard. */
  private anotherHolder(download: Download): boolean {
    if (download.sources.length > 0) return true;
    return this.holdersOf(download.shard).some((holder) => holder !== download.source && !download.triedSources.has(holder));
  }

  /** Asks the next holder; `left`, the one just left (if it may be asked again), only when no other is left. */
  private nextSource(download: Download, now: number, effects: EngineEffect[], left?: string): void {
    if (download.sources.length === 0) {
      const holders = this.holdersOf(download.shard).filter((holder) => !download.triedSources.has(holder));
      download.sources = [...holders.filter((holder) => holder !== left), ...holders.filter((holder) => holder === left)];
    }
    // Holders whose link went silent lately go last.
    const lively = download.sources.findIndex((holder) => !this.silentLinks.has(holder));
    download.source = lively > 0 ? download.sources.splice(lively, 1)[0] : download.sources.shift();
    download.lastProgressAt = now;
    if (download.source === undefined) return this.park(download, now, effects);
    if (download.hashes === undefined) {
      download.checkingList = false;
      effects.push(this.send(download.source, { type: 'pieces-request', shard: download.shard }));
    } else {
      this.askMore(download, now, effects);
    }
  }

  /** No holder left: fetches fail with the reasons; verified pieces stay for a resume. */
  private park(download: Download, now: number, effects: EngineEffect[]): void {
    const why = download.failures.length > 0 ? download.failures.join('; ') : 'no live node holds it';
    for (const waiter of download.waiters) {
      if (waiter.kind === 'fetch') {
        effects.push({ type: 'fetched-shard', request: waiter.request, shard: download.shard, bytes: undefined, error: `shard ${download.shard} could not be fetched: ${why}` });
      } else {
        effects.push(this.declineOffer(waiter.from, download.shard, `transfer stalled: ${why}`));
      }
    }
    download.waiters = [];
    download.asked.clear();
    download.failures.length = 0;
    download.triedSources.clear();
    download.parkedAt = now;
    if (!download.pieces.some((piece) => piece !== undefined)) this.downloads.delete(download.shard);
    this.progressed(download.shard, undefined, effects);
  }

  /** Forgets what `holder` was asked (of piece `index` only, if given): it will not send it. */
  private forgetAsks(download: Download, holder: string, index?: number): void {
    for (const [asked, asks] of download.asked) {
      if (index !== undefined && asked !== index) continue;
      const rest = asks.filter((ask) => ask.holder !== holder);
      if (rest.length > 0) download.asked.set(asked, rest);
      else download.asked.delete(asked);
    }
  }

  /**
   * Keeps `window` pieces asked of the holder asked now: first pieces nobody is asked for
   * (asks older than `ASK_AGAIN_AFTER_MS` count as lost, but not those of the holder asked now
   * made since it last sent anything: its silence decides), then, once this holder has
   * nothing in flight, the pieces still awaited from holders left early (a shard's last pieces
   * should not wait on a stalled link when another could send them).
   */
  private askMore(download: Download, now: number, effects: EngineEffect[]): void {
    const source = download.source;
    if (source === undefined) return;
    if (download.pieces.every((piece) => piece !== undefined)) return this.complete(download, effects);
    download.askedHolders.add(source);
    // Asks of the holder asked now since it last sent anything are its silence's to judge.
    const lost = (ask: PieceAsk): boolean => now - ask.at >= ASK_AGAIN_AFTER_MS && !(ask.holder === source && ask.at >= download.lastProgressAt);
    const awaited = (index: number): PieceAsk[] => (download.asked.get(index) ?? []).filter((ask) => !lost(ask));
    let inFlight = 0;
    for (let index = 0; index < download.pieces.length; index++) if (awaited(index).some((ask) => ask.holder === source)) inFlight++;
    for (const fromOthersToo of [false, true]) {
      if (fromOthersToo && inFlight > 0) break;
      for (let index = 0; index < download.pieces.length && inFlight < this.settings.window; index++) {
        if (download.pieces[index] !== undefined) continue;
        const asks = awaited(index);
        if (asks.some((ask) => ask.holder === source) || (asks.length > 0 && !fromOthersToo)) continue;
        download.asked.set(index, [...asks, { holder: source, at: now }]);
        inFlight++;
        effects.push(this.send(source, { type: 'piece-request', shard: download.shard, index }));
      }
    }
  }

  private complete(download: Download, effects: EngineEffect[]): void {
    this.downloads.delete(download.shard);
    const bytes = new Uint8Array(download.size);
    download.pieces.forEach((piece, i) => bytes.set(piece ?? new Uint8Array(0), i * PIECE_BYTES));
    this.progressed(download.shard, { bytes, hashes: download.hashes ?? [], wire: download.wire }, effects);
    for (const waiter of download.waiters) {
      if (waiter.kind === 'fetch') effects.push({ type: 'fetched-shard', request: waiter.request, shard: download.shard, bytes, error: '' });
      else effects.push({ type: 'store-shard', shard: download.shard, bytes, pieces: download.hashes ?? [], from: waiter.from });
    }
  }
}

function sameWaiter(a: DownloadWaiter, b: DownloadWaiter): boolean {
  return a.kind === 'fetch' ? b.kind === 'fetch' && a.request === b.request : b.kind === 'copy' && a.from === b.from;
}
