/** How a node's shard downloads pace themselves and when they give up on a holder. */
export interface DownloadSettings {
  /** Pieces asked for at once from one holder (the pipeline that keeps a link busy). */
  readonly window: number;
  /** A holder that sends nothing useful for this long is given up on for the next one. */
  readonly silenceMs: number;
  /**
   * Sooner, when another holder is known to have the shard: a link that stalls under load
   * (WebRTC associations do, one way, without closing) costs this long, not `silenceMs`.
   * Pieces arrive every few milliseconds on a working link, so a second of silence is already
   * a stall; leaving a holder that was only slow costs little (verified pieces are kept).
   */
  readonly switchAfterMs: number;
  /** How long verified pieces of a stalled download are kept for a later resume. */
  readonly keepPartialMs: number;
}

/**
 * 8 pieces in flight: pieces travel deflated (tables: about a third of 256 KiB each), and a
 * repair's few transfers are bound by the round trip through both tabs' pages and workers, not
 * by the link (distribution bench: repair within its bound in 7 of 9 runs at 8 once messages
 * were coalesced, 4 of 10 at 4).
 */
export const defaultDownloadSettings: DownloadSettings = { window: 8, silenceMs: 5_000, switchAfterMs: 1_000, keepPartialMs: 60_000 };
