/** Deadlines of one relayed stream; 0 turns a deadline off. */
export interface StreamTiming {
  /** Longest upstream silence while the client waits for more; then the stream ends with a timeout error. */
  idleMs: number;
  /** Interval of keep-alives to a waiting client while nothing else is sent. */
  keepaliveMs: number;
}

export interface ClockHandlers {
  /** The upstream was silent for idleMs while a read was pending. */
  idle(): void;
  /** The client took nothing for idleMs while what was read waited for it (no read pending). */
  stalled(): void;
  /** Nothing reached the waiting client for keepaliveMs; returns whether a keep-alive was sent. */
  keepalive(): void;
}

/**
 * One timer per stream for the idle deadline and the keep-alive interval. The hot path only stores
 * timestamps (`readStarted`, `readEnded`, `wrote`); the timer, armed for the nearest deadline, checks
 * them when it fires and re-arms itself, so a steadily flowing stream costs no timer operation per chunk.
 * Both deadlines count only while a read is pending: a client that stops reading is not an idle upstream.
 * No read pending means the client has not asked for more since the last chunk: what was read waits for
 * it (backpressure). The timer then watches that instead; a client that asks for nothing for idleMs
 * (it stopped reading without closing its connection) is given up, or the stream, its upstream request
 * and a pool member's slot would be held for good. Seen by the timer, not timed per chunk, the wait is
 * given up between idleMs and twice that after it began, never sooner.
 */
export class StreamClock {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending read started; -1 while none is pending. */
  private waitingSince = -1;
  private lastWrite = performance.now();
  /** Something was written since the last read started; the next read's start stands for its time. */
  private wroteSinceRead = false;
  private stopped = false;
  /** When the timer first found no read pending since the client last asked for more; -1 once it asks. */
  private heldSince = -1;

  constructor(
    private readonly timing: StreamTiming,
    private readonly handlers: ClockHandlers,
  ) {}

  /** A clock, or undefined when neither deadline is on (nothing to do per chunk then). */
  static create(timing: StreamTiming | undefined, handlers: ClockHandlers): StreamClock | undefined {
    if (!timing || (timing.idleMs <= 0 && timing.keepaliveMs <= 0)) return undefined;
    return new StreamClock(timing, handlers);
  }

  readStarted(): void {
    const now = performance.now();
    this.waitingSince = now;
    if (this.heldSince >= 0) {
      // The client asked again after the timer saw it hold out: the timer set for that is not this read's.
      this.heldSince = -1;
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.wroteSinceRead) {
      // Writes happen between two reads, and the keep-alive interval only counts while a read is
      // pending: the next read's start does for the write's time, one clock read per chunk, not two.
      this.lastWrite = now;
      this.wroteSinceRead = false;
    }
    if (this.timer === undefined && !this.stopped) this.arm(this.waitingSince);
  }

  readEnded(): void {
    this.waitingSince = -1;
  }

  wrote(): void {
    this.wroteSinceRead = true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(now: number): void {
    const { idleMs, keepaliveMs } = this.timing;
    if (this.waitingSince < 0) {
      // Waiting on the client: checked again once it may have held out idleMs (fire); else re-armed by the next read.
      if (this.heldSince >= 0) this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(this.heldSince + idleMs - now)));
      return;
    }
    let next = Infinity;
    if (idleMs > 0) next = this.waitingSince + idleMs;
    if (keepaliveMs > 0) next = Math.min(next, this.lastWrite + keepaliveMs);
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(next - now)));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const now = performance.now();
    if (this.waitingSince >= 0) {
      if (this.timing.idleMs > 0 && now - this.waitingSince >= this.timing.idleMs) {
        this.stop();
        this.handlers.idle();
        return;
      }
      if (this.timing.keepaliveMs > 0 && now - this.lastWrite >= this.timing.keepaliveMs) {
        // Counted as a write even when the handler could not send (mid-event): it tries again an interval later.
        this.lastWrite = now;
        this.handlers.keepalive();
      }
    } else if (this.timing.idleMs > 0) {
      // No read pending: the client has not asked for what was read. First seen now, or for idleMs since.
      if (this.heldSince < 0) this.heldSince = now;
      else if (now - this.heldSince >= this.timing.idleMs) {
        this.stop();
        this.handlers.stalled();
        return;
      }
    }
    if (!this.stopped) this.arm(now);
  };
}
