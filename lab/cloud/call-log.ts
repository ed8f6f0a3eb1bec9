/**
 * Every call the emulated cloud served, for tests to assert on ("exactly
 * one AssignPrivateIpAddresses", "the token was fetched once"). Bounded so
 * a long soak cannot grow it without limit.
 */
export interface Ec2CallRecord {
  readonly seq: number;
  /** Emulator monotonic ms. */
  readonly atMs: number;
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
  /** Instance id or user name from the verified signature; null when auth failed first. */
  readonly caller: string | null;
  readonly source: string;
  readonly status: number;
  /** "ok" or the EC2 error code answered. */
  readonly result: string;
  readonly requestId: string;
  /** The request body as received, kept raw: a test can check exactly what a client sent, whatever the cloud's encoding. */
  readonly body: string;
}

export interface ImdsCallRecord {
  readonly seq: number;
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  readonly caller: string | null;
  readonly source: string;
  readonly status: number;
}

const MAX_RECORDS = 10_000;

export class CallLog {
  private seq = 0;
  private ec2Records: Ec2CallRecord[] = [];
  private imdsRecords: ImdsCallRecord[] = [];

  addEc2(r: Omit<Ec2CallRecord, 'seq'>): void {
    this.ec2Records.push({ seq: ++this.seq, ...r });
    if (this.ec2Records.length > MAX_RECORDS) this.ec2Records.shift();
  }

  addImds(r: Omit<ImdsCallRecord, 'seq'>): void {
    this.imdsRecords.push({ seq: ++this.seq, ...r });
    if (this.imdsRecords.length > MAX_RECORDS) this.imdsRecords.shift();
  }

  ec2(): readonly Ec2CallRecord[] {
    return this.ec2Records;
  }

  imds(): readonly ImdsCallRecord[] {
    return this.imdsRecords;
  }

  clear(): void {
    this.ec2Records = [];
    this.imdsRecords = [];
  }
}
