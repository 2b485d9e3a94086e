/**
 * What every simulated domain was asked: the evidence for the crawler's
 * public promises (robots.txt first, only the listed endpoints, nothing after
 * a 410, the user agent, per-host concurrency).
 */

export interface RequestRecord {
  readonly seq: number;
  /** Milliseconds since the simulator started. */
  readonly at: number;
  /** A-label, without port. */
  readonly host: string;
  /** Path and query. */
  readonly target: string;
  readonly method: string;
  readonly userAgent: string | undefined;
  /** The Authorization header as sent (the simulator's tokens are test values). */
  readonly authorization?: string | undefined;
  readonly protocol: "h2" | "http/1.1";
  /** Requests of this host in flight when this one arrived, itself included. */
  readonly concurrent: number;
  status?: number;
  /** Milliseconds until the reply was finished or the client went away. */
  ms?: number;
}

export class RequestLog {
  readonly records: RequestRecord[] = [];
  /** Requests not kept because the log was full. */
  dropped = 0;
  private readonly started = performance.now();
  private readonly inFlight = new Map<string, number>();
  private readonly peak = new Map<string, number>();
  private readonly limit: number;

  constructor(options: { limit?: number } = {}) {
    this.limit = options.limit ?? 5_000_000;
  }

  begin(entry: Omit<RequestRecord, "seq" | "at" | "concurrent">): (status: number | undefined) => void {
    const concurrent = (this.inFlight.get(entry.host) ?? 0) + 1;
    this.inFlight.set(entry.host, concurrent);
    if (concurrent > (this.peak.get(entry.host) ?? 0)) this.peak.set(entry.host, concurrent);
    const at = performance.now() - this.started;
    const record: RequestRecord | undefined = this.records.length < this.limit ? { ...entry, seq: this.records.length, at, concurrent } : undefined;
    if (record) this.records.push(record);
    else this.dropped++;
    let done = false;
    return (status) => {
      if (done) return;
      done = true;
      const left = (this.inFlight.get(entry.host) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(entry.host);
      else this.inFlight.set(entry.host, left);
      if (record) {
        record.status = status;
        record.ms = performance.now() - this.started - at;
      }
    };
  }

  /** The most requests one host had in flight at once. */
  peakConcurrency(host: string): number {
    return this.peak.get(host) ?? 0;
  }

  forHost(host: string): RequestRecord[] {
    return this.records.filter((r) => r.host === host);
  }

  clear(): void {
    this.records.length = 0;
    this.peak.clear();
    this.dropped = 0;
  }
}
