/** The GCP section's value shapes (provider.gcp), apart from the shared schema so each cloud's keys stay in one place. */
import type { GcpPeerConfig } from './types';
import { defaultsTo, type FieldTable, type ItemSpec, required, spec } from './value-spec';

export const GCP_PROJECT_SPEC = spec.string(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a GCP project id (6-30 characters: lower-case letters, digits, hyphens)');
export const GCP_ZONE_SPEC = spec.string(/^[a-z]+-[a-z]+[0-9]+-[a-z]$/, 'a GCP zone such as europe-west1-b');
const GCP_INSTANCE_SPEC = spec.string(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a GCE instance name (1-63 characters: lower-case letters, digits, hyphens)');

const peerFields: FieldTable<GcpPeerConfig> = {
  instance: { doc: "The peer VM's instance name.", spec: GCP_INSTANCE_SPEC, default: required() },
  zone: { doc: "Its zone; null = this instance's zone.", spec: spec.nullable(GCP_ZONE_SPEC), default: defaultsTo(null) },
};

export const GCP_PEER_ITEM: ItemSpec = {
  name: 'GCP peer',
  fields: peerFields,
  shorthand: { describe: "an instance name (in this instance's zone)", expand: (text) => ({ instance: text }) },
};
