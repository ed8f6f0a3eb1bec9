/**
 * The keepalived baseline's cloud call on GCP. Guides for keepalived with
 * alias IPs put two gcloud commands in the notify script:
 *
 *   gcloud compute instances network-interfaces update PEER --zone Z --aliases ""
 *   gcloud compute instances network-interfaces update SELF --zone Z --aliases VIP/32
 *
 * The Cloud SDK (Python) is not installable here, so the benchmark runs this
 * one-shot stand-in instead, doing what each command does over Compute's
 * REST API: the instance's token from the metadata server (gcloud on a VM
 * uses the VM's service account), GET the instance for the NIC's
 * fingerprint, PATCH updateNetworkInterface with the new alias list, then
 * wait for the operation (gcloud waits by default). A fresh process per
 * failover; it starts faster than the Python CLI would, so the baseline it
 * gives is, if anything, flattering to keepalived. Labelled as a stand-in
 * wherever its numbers appear.
 */
export interface AliasCliArgs {
  readonly endpoint: string;
  readonly metadata: string;
  readonly project: string;
  readonly zone: string;
  readonly peer: string;
  readonly self: string;
  readonly nic: string;
  readonly vip: string;
}

const FLAGS = ['--endpoint', '--metadata', '--project', '--zone', '--peer', '--self', '--nic', '--vip'] as const;

export function parseAliasCliArgs(argv: readonly string[]): AliasCliArgs {
  const get = (flag: (typeof FLAGS)[number]): string => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (v === undefined || v.startsWith('--')) throw new Error(`usage: alias-cli ${FLAGS.map((f) => `${f} X`).join(' ')} (missing ${flag})`);
    return v;
  };
  return {
    endpoint: get('--endpoint'),
    metadata: get('--metadata'),
    project: get('--project'),
    zone: get('--zone'),
    peer: get('--peer'),
    self: get('--self'),
    nic: get('--nic'),
    vip: get('--vip'),
  };
}

type Fetch = typeof fetch;

async function ok(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/** One `gcloud compute instances network-interfaces update INSTANCE --aliases RANGES`: read, patch, wait. */
export async function setAliases(args: AliasCliArgs, instance: string, ranges: readonly string[], token: string, http: Fetch = fetch): Promise<void> {
  const base = `${args.endpoint}/compute/v1/projects/${encodeURIComponent(args.project)}/zones/${encodeURIComponent(args.zone)}`;
  const auth = { authorization: `Bearer ${token}` };
  const vm = (await ok(await http(`${base}/instances/${encodeURIComponent(instance)}`, { headers: auth }), `GET ${instance}`)) as {
    networkInterfaces?: { name?: string; fingerprint?: string }[];
  };
  const nic = vm.networkInterfaces?.find((n) => n.name === args.nic);
  if (nic?.fingerprint === undefined) throw new Error(`${instance} has no network interface ${args.nic}`);
  const op = (await ok(
    await http(`${base}/instances/${encodeURIComponent(instance)}/updateNetworkInterface?networkInterface=${encodeURIComponent(args.nic)}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ aliasIpRanges: ranges.map((ipCidrRange) => ({ ipCidrRange })), fingerprint: nic.fingerprint }),
    }),
    `updateNetworkInterface ${instance}`,
  )) as { name?: string };
  if (op.name === undefined) throw new Error(`updateNetworkInterface ${instance} answered without an operation`);
  for (;;) {
    const done = (await ok(await http(`${base}/operations/${encodeURIComponent(op.name)}/wait`, { method: 'POST', headers: auth }), `wait ${op.name}`)) as {
      status?: string;
      error?: unknown;
    };
    if (done.status !== 'DONE') continue;
    if (done.error !== undefined) throw new Error(`operation ${op.name} on ${instance} failed: ${JSON.stringify(done.error)}`);
    return;
  }
}

/** The notify script's two commands: the peer's aliases cleared, then the VIP set on this VM. */
export async function moveLikeGcloud(args: AliasCliArgs, http: Fetch = fetch): Promise<void> {
  const tokenDoc = (await ok(
    await http(`${args.metadata}/computeMetadata/v1/instance/service-accounts/default/token`, { headers: { 'metadata-flavor': 'Google' } }),
    'metadata token',
  )) as { access_token?: string };
  if (tokenDoc.access_token === undefined) throw new Error('the metadata server gave no access_token');
  await setAliases(args, args.peer, [], tokenDoc.access_token, http);
  await setAliases(args, args.self, [`${args.vip}/32`], tokenDoc.access_token, http);
}

if (require.main === module) {
  moveLikeGcloud(parseAliasCliArgs(process.argv.slice(2))).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`alias-cli: ${e instanceof Error ? e.message : JSON.stringify(e)}\n`);
      process.exit(1);
    },
  );
}
