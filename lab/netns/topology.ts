/**
 * The lab's addressing plan and the iproute2 batches that build it.
 *
 *   client ns: eth0 10.0.2.10/24, default via 10.0.2.1
 *   fabric ns: p-c 10.0.2.1/24; br0 10.0.1.1/24 bridging p-n1..p-nN; forwarding on
 *   node i  : eth0 10.0.1.(9+i)/24, default via 10.0.1.1     (i = 1..N)
 *
 * With ipv6: fd00:1::/64 on the bridge (fabric fd00:1::1, node 1 fd00:1::10,
 * node 2 fd00:1::11...) and fd00:2::/64 towards the client (fd00:2::10).
 * Every veth is created inside the fabric namespace with its peer placed
 * straight into the other namespace, so nothing ever exists in the host's.
 */
export const SUBNET_GATEWAY = '10.0.1.1';
export const SUBNET_PREFIX = 24;
export const CLIENT_GATEWAY = '10.0.2.1';
export const CLIENT_ADDRESS = '10.0.2.10';
export const SUBNET6_GATEWAY = 'fd00:1::1';
export const CLIENT6_GATEWAY = 'fd00:2::1';
export const CLIENT6_ADDRESS = 'fd00:2::10';

export function nodeAddress(i: number): string {
  return `10.0.1.${9 + i}`;
}

export function nodeAddress6(i: number): string {
  return `fd00:1::${9 + i}`;
}

/** The second, "wrong" uplink of node i (addSecondUplink). */
export function uplinkAddresses(i: number): { fabric: string; node: string; prefix: number } {
  return { fabric: `10.0.${100 + i}.1`, node: `10.0.${100 + i}.10`, prefix: 24 };
}

export const MAX_NODES = 50;

export function fabricBatch(names: { client: string; nodes: readonly string[] }, ipv6: boolean): string[] {
  const lines = ['link set lo up', 'link add br0 type bridge', 'link set br0 up', `address add ${SUBNET_GATEWAY}/${SUBNET_PREFIX} dev br0`];
  if (ipv6) lines.push(`address add ${SUBNET6_GATEWAY}/64 dev br0 nodad`);
  names.nodes.forEach((ns, k) => {
    const port = `p-n${k + 1}`;
    lines.push(`link add ${port} type veth peer name eth0 netns ${ns}`, `link set ${port} master br0`, `link set ${port} up`);
  });
  lines.push(`link add p-c type veth peer name eth0 netns ${names.client}`, `address add ${CLIENT_GATEWAY}/24 dev p-c`, 'link set p-c up');
  if (ipv6) lines.push(`address add ${CLIENT6_GATEWAY}/64 dev p-c nodad`);
  return lines;
}

export function nodeBatch(i: number, ipv6: boolean): string[] {
  const lines = [
    'link set lo up',
    'link set eth0 up',
    `address add ${nodeAddress(i)}/${SUBNET_PREFIX} dev eth0`,
    `route add default via ${SUBNET_GATEWAY} dev eth0`,
  ];
  if (ipv6) lines.push(`address add ${nodeAddress6(i)}/64 dev eth0 nodad`, `route add ::/0 via ${SUBNET6_GATEWAY} dev eth0`);
  return lines;
}

export function clientBatch(ipv6: boolean): string[] {
  const lines = ['link set lo up', 'link set eth0 up', `address add ${CLIENT_ADDRESS}/24 dev eth0`, `route add default via ${CLIENT_GATEWAY} dev eth0`];
  if (ipv6) lines.push(`address add ${CLIENT6_ADDRESS}/64 dev eth0 nodad`, `route add ::/0 via ${CLIENT6_GATEWAY} dev eth0`);
  return lines;
}

/**
 * A second uplink for node i whose default route wins (metric 10 against
 * the subnet's, moved to 100): without policy routing, replies from the VIP
 * leave through it, and the fabric's strict reverse-path filter on that
 * link drops them, as a cloud's anti-spoofing check does.
 */
export function secondUplinkBatches(i: number, nodeNs: string): { fabric: string[]; node: string[] } {
  const a = uplinkAddresses(i);
  return {
    fabric: [`link add q-n${i} type veth peer name eth1 netns ${nodeNs}`, `address add ${a.fabric}/${a.prefix} dev q-n${i}`, `link set q-n${i} up`],
    node: [
      'link set eth1 up',
      `address add ${a.node}/${a.prefix} dev eth1`,
      `route del default via ${SUBNET_GATEWAY} dev eth0`,
      `route add default via ${SUBNET_GATEWAY} dev eth0 metric 100`,
      `route add default via ${a.fabric} dev eth1 metric 10`,
    ],
  };
}
