import { VipdError } from '../../src/errors';
import { type AwsCloudSpec, parseAwsLabCloudSpec } from './aws/spec';
import { type GcpCloudSpec, parseGcpLabCloudSpec } from './gcp/spec';
import { LAB_CLOUDS, type LabCloudKind } from './flavour';
import { type OciCloudSpec, parseOciLabCloudSpec } from './oci/spec';

/**
 * A lab cloud's starting state file: `cloud` names the flavour (aws; oci
 * and gcp have their place but no emulator yet), the rest is that
 * flavour's own model. Every flavour has VIPs (blackholed on the fabric
 * while nobody holds them) and a propagation delay; the rest is its own.
 */
/** One entry per flavour that has an emulator. */
export type LabCloudSpec = AwsCloudSpec | OciCloudSpec | GcpCloudSpec;

export function parseLabCloudSpec(input: unknown): LabCloudSpec {
  const root = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : null;
  if (root === null) throw new VipdError('VIPD_E_CONFIG', 'lab cloud state: $ must be an object');
  // Absent: aws, the flavour every state file written before flavours existed describes.
  const { cloud = 'aws', ...rest } = root;
  if (typeof cloud !== 'string' || !(LAB_CLOUDS as readonly string[]).includes(cloud)) {
    throw new VipdError('VIPD_E_CONFIG', `lab cloud state: $.cloud must be one of ${LAB_CLOUDS.join('|')}, got ${JSON.stringify(cloud)}`);
  }
  switch (cloud as LabCloudKind) {
    case 'aws':
      return { cloud: 'aws', ...parseAwsLabCloudSpec(rest) };
    case 'oci':
      return { cloud: 'oci', ...parseOciLabCloudSpec(rest) };
    case 'gcp':
      return { cloud: 'gcp', ...parseGcpLabCloudSpec(rest) };
  }
}

/** The spec as the given flavour's, or a config error naming both (tests and tools that know which cloud they start). */
export function labCloudSpecOf<K extends LabCloudSpec['cloud']>(spec: LabCloudSpec, cloud: K): Extract<LabCloudSpec, { readonly cloud: K }> {
  if (spec.cloud !== cloud) throw new VipdError('VIPD_E_CONFIG', `lab cloud state: expected cloud ${cloud}, got ${spec.cloud}`);
  return spec as Extract<LabCloudSpec, { readonly cloud: K }>;
}
