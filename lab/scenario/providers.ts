import { VipdError } from '../../src/errors';
import { ociScenarioProvider } from '../cloud/oci/scenario-provider';
import { awsScenarioProvider } from './aws-provider';
import { gcpScenarioProvider } from './gcp-provider';
import { noneProvider, type ScenarioProvider } from './provider';

/** The scenario providers by the name the demo's --provider takes. */
export const SCENARIO_PROVIDER_NAMES = ['none', 'aws', 'oci', 'gcp'] as const;
export type ScenarioProviderName = (typeof SCENARIO_PROVIDER_NAMES)[number];

/** null: accepted on the command line, not wired yet. */
const SCENARIO_PROVIDERS: Readonly<Record<ScenarioProviderName, ScenarioProvider | null>> = {
  none: noneProvider,
  aws: awsScenarioProvider(),
  oci: ociScenarioProvider(),
  gcp: gcpScenarioProvider(),
};

export function isScenarioProviderName(name: string): name is ScenarioProviderName {
  return (SCENARIO_PROVIDER_NAMES as readonly string[]).includes(name);
}

export function scenarioProvider(name: string): ScenarioProvider {
  if (!isScenarioProviderName(name)) {
    throw new VipdError('VIPD_E_CONFIG', `unknown provider "${name}"; expected one of ${SCENARIO_PROVIDER_NAMES.join(', ')}`);
  }
  const provider = SCENARIO_PROVIDERS[name];
  if (provider === null) {
    throw new VipdError(
      'VIPD_E_CONFIG',
      `provider ${name}: not yet - the emulated cloud (lab/cloud/) is not wired into the failover scenario; use --provider none`,
    );
  }
  return provider;
}
