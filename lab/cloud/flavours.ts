import { AwsFlavour } from './aws/flavour';
import { GcpFlavour } from './gcp/flavour';
import type { FlavourContext } from './flavour';
import { OciFlavour } from './oci/flavour';
import type { LabCloudSpec } from './spec';

/** The flavour a spec's `cloud` names, with its own type (aws: the EC2 model and role credentials tests read). */
export type FlavourOf<S extends LabCloudSpec> = S extends { readonly cloud: 'aws' }
  ? AwsFlavour
  : S extends { readonly cloud: 'oci' }
    ? OciFlavour
    : S extends { readonly cloud: 'gcp' }
      ? GcpFlavour
      : never;

/** One case per cloud that has an emulator. */
export function createFlavour<S extends LabCloudSpec>(spec: S, ctx: FlavourContext): FlavourOf<S> {
  switch (spec.cloud) {
    case 'aws':
      return new AwsFlavour(spec, ctx) as FlavourOf<S>;
    case 'oci':
      return new OciFlavour(spec, ctx) as FlavourOf<S>;
    case 'gcp':
      return new GcpFlavour(spec, ctx) as FlavourOf<S>;
  }
}
