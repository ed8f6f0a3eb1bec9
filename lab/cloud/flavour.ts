import type { IncomingHttpHeaders } from 'node:http';
import type { MonotonicClock } from '../../src/util/clock';
import type { Logger } from '../../src/util/logger';
import type { Timers } from '../../src/util/timers';
import type { CallLog } from './call-log';
import type { Dataplane } from './dataplane';
import type { FaultInjector } from './faults';

/**
 * The seam between the shared lab cloud and one cloud's emulation. Shared
 * (lab-cloud.ts and its neighbours): the data plane and fabric routing, the
 * fault injector, the call log, outage modes, the HTTP servers and the
 * control endpoint. A flavour brings what differs from cloud to cloud: its
 * control-plane API (wire format, signature check, model of instances,
 * NICs and addresses) and its instance metadata service. Only aws exists;
 * oci and gcp plug in as a folder beside aws/ plus one case in
 * flavours.ts and spec.ts.
 */
export const LAB_CLOUDS = ['aws', 'oci', 'gcp'] as const;
export type LabCloudKind = (typeof LAB_CLOUDS)[number];

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped';

export interface ApiRequest {
  readonly method: string;
  readonly target: string;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** The caller's source address. */
  readonly source: string;
}

export interface MetadataRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly source: string;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface LabCloudFlavour {
  readonly cloud: LabCloudKind;
  /** Addresses the fabric routes from the start (VIPs and secondary addresses), each with its holder then (null: nobody). */
  routedAddresses(): ReadonlyArray<readonly [address: string, holder: string | null]>;
  /** Where the fabric sends an address this holder (a NIC) has: its primary address; null: nowhere. */
  nextHopOf(holder: string): string | null;
  /** One control-plane API request: signature, injected faults, the model, the cloud's answer format. */
  serveApi(req: ApiRequest): Promise<HttpAnswer>;
  /** The API's answer while its outage mode is an HTTP error. */
  apiUnavailable(): HttpAnswer;
  /** The API's answer when the emulator itself failed on a request. */
  apiInternalError(): HttpAnswer;
  /** One instance metadata request (the caller is known by its source address, as in every cloud). */
  serveMetadata(req: MetadataRequest): HttpAnswer;
  /** The instance a request from this source address comes from; null: none. */
  instanceOf(source: string): string | null;
  hasInstance(id: string): boolean;
  /** Throws VIPD_E_CONFIG for an unknown instance. */
  setInstanceState(id: string, state: InstanceState): void;
  /** Invalidates every metadata session token; returns how many there were. */
  expireMetadataTokens(): number;
  /** Lifetime of instance credentials issued from now on, and how long before expiry metadata serves their successor. */
  setRoleCredentialLifetime(lifetimeMs: number, rotateBeforeMs: number): void;
  /** Every instance credential expires now (the API rejects it as expired); returns how many. */
  expireRoleCredentials(): number;
  /** Eventual consistency: the API's read calls show the state of `ms` ago (0: live). */
  setReadLag(ms: number): void;
  /** Test knob: page list answers by this size even when the caller asked for none (null: the cloud's default). */
  setListPageSize(size: number | null): void;
  /** The model as JSON, for the control endpoint's /state. */
  state(): Record<string, unknown>;
}

/** What the shared lab cloud lends a flavour: the data plane its address changes feed, and the shared fault injector, call log and clocks. */
export interface FlavourContext {
  readonly dataplane: Dataplane;
  readonly faults: FaultInjector;
  readonly calls: CallLog;
  readonly clock: MonotonicClock;
  readonly timers: Timers;
  /** Wall-clock ms, for signature timestamps and credential expiry strings only. */
  readonly wallNowMs: () => number;
  readonly logger: Logger;
}
