import type { MonotonicClock } from '../../../src/util/clock';
import type { CallLog } from '../call-log';
import { Ec2ApiError, defaultMessage, defaultStatusFor } from './ec2-errors';
import type { Ec2Model } from './ec2-model';
import { addressXml, eniXml, reservationXml } from './ec2-render';
import type { FaultInjector } from '../faults';
import { QueryParams } from './query';
import { evaluateIam } from './iam-policy';
import { verifySigV4, type KeyRecord, type SigningPrincipal } from './sigv4';
import { ec2Document, ec2ErrorDocument, itemSet, leaf, node, type Xml } from './xml';

/**
 * The EC2 Query API front door: parse the form, verify SigV4 against the
 * credentials this cloud issued, check the caller's allowed actions, apply
 * injected faults, run the action on the model and answer EC2's XML.
 * Every call is logged with its caller and outcome.
 */
export interface Ec2ApiDeps {
  readonly model: Ec2Model;
  readonly keys: (accessKeyId: string) => KeyRecord | null;
  readonly faults: FaultInjector;
  readonly log: CallLog;
  readonly clock: MonotonicClock;
  readonly wallNowMs: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly requestId: () => string;
  /** What Describe* reads: the live model, or (eventual consistency) the model as it was a while ago. */
  readonly readView: () => Ec2Model;
  /** Told after every change an action made, so the lagging read view can follow. */
  readonly changed: () => void;
  /** Test knob: page DescribeNetworkInterfaces by this size even without MaxResults. */
  readonly describePageSize: () => number | null;
}

export interface Ec2HttpRequest {
  readonly method: string;
  readonly target: string;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly source: string;
}

export interface Ec2HttpAnswer {
  readonly status: number;
  readonly body: string;
  /** Also sent as the x-amzn-RequestId header, where the SDK reads it. */
  readonly requestId: string;
}

type Handler = (p: QueryParams, deps: Ec2ApiDeps) => Xml;

const API_VERSION = '2016-11-15';

const HANDLERS: Readonly<Record<string, Handler>> = {
  AssignPrivateIpAddresses: (p, { model }) => {
    const out = model.assignPrivateIpAddresses({
      eniId: p.required('NetworkInterfaceId'),
      addresses: p.list('PrivateIpAddress'),
      count: p.int('SecondaryPrivateIpAddressCount'),
      allowReassignment: p.bool('AllowReassignment'),
    });
    return (
      leaf('networkInterfaceId', out.eniId) +
      itemSet(
        'assignedPrivateIpAddressesSet',
        out.assigned.map((a) => leaf('privateIpAddress', a)),
      ) +
      node('assignedIpv4PrefixSet') +
      leaf('return', true)
    );
  },
  UnassignPrivateIpAddresses: (p, { model }) => {
    model.unassignPrivateIpAddresses({ eniId: p.required('NetworkInterfaceId'), addresses: p.list('PrivateIpAddress') });
    return leaf('return', true);
  },
  DescribeNetworkInterfaces: (p, deps) => {
    const view = deps.readView();
    const all = view.describeNetworkInterfaces({ ids: p.list('NetworkInterfaceId'), filters: p.filters() });
    const maxResults = p.int('MaxResults');
    if (maxResults !== null && (maxResults < 5 || maxResults > 1000)) {
      throw new Ec2ApiError('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
    }
    const pageSize = maxResults ?? deps.describePageSize();
    const start = decodeToken(p.get('NextToken'));
    const page = pageSize === null ? all.slice(start) : all.slice(start, start + pageSize);
    const next = pageSize !== null && start + page.length < all.length ? encodeToken(start + page.length) : null;
    return (
      itemSet(
        'networkInterfaceSet',
        page.map((eni) => eniXml(view, eni)),
      ) + leaf('nextToken', next)
    );
  },
  DescribeInstances: (p, { readView }) => {
    const model = readView();
    return itemSet(
      'reservationSet',
      model.describeInstances({ ids: p.list('InstanceId'), filters: p.filters() }).map((inst) => reservationXml(model, inst)),
    );
  },
  DescribeNetworkInterfaceAttribute: (p, { readView }) => {
    const eni = readView().eni(p.required('NetworkInterfaceId'));
    const attribute = p.required('Attribute');
    const value = (() => {
      switch (attribute) {
        case 'sourceDestCheck':
          return node('sourceDestCheck', leaf('value', eni.sourceDestCheck));
        case 'description':
          return node('description', leaf('value', eni.description));
        case 'groupSet':
          return itemSet('groupSet', [leaf('groupId', 'sg-00000000000000001') + leaf('groupName', 'default')]);
        case 'attachment':
          return eni.instanceId === null
            ? ''
            : node(
                'attachment',
                leaf('attachmentId', `eni-attach-${eni.id.slice(4)}`),
                leaf('instanceId', eni.instanceId),
                leaf('deviceIndex', eni.deviceIndex),
                leaf('status', 'attached'),
              );
        default:
          throw new Ec2ApiError('InvalidParameterValue', `Value (${attribute}) for parameter attribute is invalid. Unknown network interface attribute`);
      }
    })();
    return leaf('networkInterfaceId', eni.id) + value;
  },
  AssociateAddress: (p, { model }) => {
    const out = model.associateAddress({
      allocationId: p.get('AllocationId'),
      publicIp: p.get('PublicIp'),
      eniId: p.get('NetworkInterfaceId'),
      instanceId: p.get('InstanceId'),
      privateIp: p.get('PrivateIpAddress'),
      allowReassociation: p.bool('AllowReassociation'),
    });
    return leaf('return', true) + leaf('associationId', out.associationId);
  },
  DisassociateAddress: (p, { model }) => {
    model.disassociateAddress({ associationId: p.get('AssociationId'), publicIp: p.get('PublicIp') });
    return leaf('return', true);
  },
  DescribeAddresses: (p, { readView }) => {
    const model = readView();
    return itemSet(
      'addressesSet',
      model.describeAddresses({ allocationIds: p.list('AllocationId'), publicIps: p.list('PublicIp'), filters: p.filters() }).map((e) => addressXml(model, e)),
    );
  },
};

export const EC2_ACTIONS: readonly string[] = Object.keys(HANDLERS);

export async function handleEc2Request(req: Ec2HttpRequest, deps: Ec2ApiDeps): Promise<Ec2HttpAnswer> {
  const requestId = deps.requestId();
  let action = '(none)';
  let params: Record<string, string> = {};
  let principal: SigningPrincipal | null = null;
  const answer = (status: number, body: string, result: string): Ec2HttpAnswer => {
    deps.log.addEc2({
      atMs: deps.clock.nowMs(),
      action,
      params,
      caller: principal?.id ?? null,
      source: req.source,
      status,
      result,
      requestId,
      body: req.body.toString('utf8'),
    });
    return { status, body, requestId };
  };
  try {
    if (req.method !== 'POST' && req.method !== 'GET') throw new Ec2ApiError('InvalidHttpRequest', `The HTTP method ${req.method} is not supported`, 405);
    const q = req.target.indexOf('?');
    const p = QueryParams.parse(req.method === 'POST' ? req.body.toString('utf8') : '', q < 0 ? '' : req.target.slice(q + 1));
    params = p.toObject();
    action = p.get('Action') ?? '(none)';
    principal = verifySigV4(req, { region: deps.model.region, service: 'ec2', lookup: deps.keys, nowMs: deps.wallNowMs() }).principal;
    if (p.get('Action') === null) throw new Ec2ApiError('MissingAction', 'The request must contain the parameter Action');
    const version = p.get('Version');
    if (version !== null && version !== API_VERSION)
      throw new Ec2ApiError('InvalidParameterValue', `Unsupported Version ${version}; this emulator speaks ${API_VERSION}`);
    const handler = HANDLERS[action];
    if (handler === undefined) throw new Ec2ApiError('InvalidAction', `The action ${action} is not valid for this web service.`);
    const fault = deps.faults.evaluate(action);
    if (fault.latencyMs > 0) await deps.sleep(fault.latencyMs);
    if (fault.error !== null)
      throw new Ec2ApiError(
        fault.error.code,
        fault.error.message ?? defaultMessage(fault.error.code),
        fault.error.status ?? defaultStatusFor(fault.error.code),
      );
    if (principal.allowedActions !== null && !principal.allowedActions.includes(action)) {
      throw new Ec2ApiError(
        'UnauthorizedOperation',
        `You are not authorized to perform this operation. User: ${principal.id} is not authorized to perform: ec2:${action}`,
        403,
      );
    }
    if (principal.policy !== null) {
      const decision = evaluateIam(principal.policy, `ec2:${action}`, resourcesOf(action, p, deps.model));
      if (!decision.allowed) {
        throw new Ec2ApiError(
          'UnauthorizedOperation',
          `You are not authorized to perform this operation. User: ${principal.id} is not authorized to perform: ec2:${action} on resource: ${decision.resource}`,
          403,
        );
      }
    }
    if (p.bool('DryRun')) throw new Ec2ApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
    const body = handler(p, deps);
    if (!action.startsWith('Describe')) deps.changed();
    if (fault.answerLatencyMs > 0) await deps.sleep(fault.answerLatencyMs);
    return answer(200, ec2Document(action, requestId, body), 'ok');
  } catch (e) {
    if (e instanceof Ec2ApiError) return answer(e.status, ec2ErrorDocument(e.code, e.message, requestId), e.code);
    const message = e instanceof Error ? e.message : String(e);
    return answer(500, ec2ErrorDocument('InternalError', `emulator bug: ${message}`, requestId), 'InternalError');
  }
}

/**
 * The resource ARNs IAM authorizes a call on, per the Service Authorization
 * Reference for EC2: the Describe actions have no resource-level
 * permissions ("*"); an assign or unassign acts on the ENI; an association
 * on the Elastic IP and the ENI (or instance) it is associated with.
 */
function resourcesOf(action: string, p: QueryParams, model: Ec2Model): string[] {
  const arn = (type: string, id: string): string => `arn:aws:ec2:${model.region}:${model.accountId}:${type}/${id}`;
  switch (action) {
    case 'AssignPrivateIpAddresses':
    case 'UnassignPrivateIpAddresses':
      return [arn('network-interface', p.required('NetworkInterfaceId'))];
    case 'AssociateAddress': {
      const allocationId = p.get('AllocationId') ?? model.eips.find((e) => e.publicIp === p.get('PublicIp'))?.allocationId ?? '*';
      const eni = p.get('NetworkInterfaceId');
      const instance = p.get('InstanceId');
      return [
        arn('elastic-ip', allocationId),
        ...(eni !== null ? [arn('network-interface', eni)] : []),
        ...(instance !== null ? [arn('instance', instance)] : []),
      ];
    }
    case 'DisassociateAddress': {
      const associationId = p.get('AssociationId');
      const eip = model.eips.find((e) => (associationId !== null ? e.association?.associationId === associationId : e.publicIp === p.get('PublicIp')));
      return [arn('elastic-ip', eip?.allocationId ?? '*')];
    }
    default:
      return ['*'];
  }
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeToken(token: string | null): number {
  if (token === null || token === '') return 0;
  const m = /^offset:([0-9]+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (m === null) throw new Ec2ApiError('InvalidPaginationToken', `The pagination token ${token} is invalid`);
  return Number(m[1]);
}
