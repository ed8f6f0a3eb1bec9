#!/usr/bin/env python3
"""Hostile heartbeats for the fault suite (runs in the lab's fabric namespace).

Captures the genuine heartbeats each node sends (AF_PACKET on its fabric
port) and, at a bounded rate, sends to every node's heartbeat port:
random bytes, truncated genuine packets, genuine packets with a flipped tag
byte, and genuine packets replayed both from the fabric's own address and
re-injected as the original frame (the genuine source address and MAC).
Prints one JSON line per second with what it sent. Stops on SIGTERM.

usage: hostile-heartbeats.py PORT RATE_PER_KIND IFACE:NODE_IP ...
"""
import json, os, random, signal, socket, struct, sys, time

port = int(sys.argv[1])
rate = float(sys.argv[2])
links = [a.split(':') for a in sys.argv[3:]]  # [iface, node ip]
ETH_P_ALL = 0x0003
running = True
signal.signal(signal.SIGTERM, lambda *_: globals().__setitem__('running', False))

raw = {}
for iface, _ip in links:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.setblocking(False)
    raw[iface] = s
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
captured = {ip: [] for _i, ip in links}  # sender ip -> [(frame, payload)]
sent = {'random': 0, 'truncated': 0, 'wrong-tag': 0, 'replay-other-source': 0, 'replay-genuine-source': 0}


def parse(frame):
    if len(frame) < 42 or frame[12:14] != b'\x08\x00' or frame[23] != 17:
        return None
    ihl = (frame[14] & 0x0f) * 4
    src = socket.inet_ntoa(frame[26:30])
    dport = struct.unpack('!H', frame[14 + ihl + 2:14 + ihl + 4])[0]
    if dport != port:
        return None
    total = struct.unpack('!H', frame[16:18])[0]
    payload = frame[14 + ihl + 8:14 + total]
    # Empty datagrams are the reachability probes, not adverts.
    if len(payload) < 16:
        return None
    # veth offloads the UDP checksum: as captured it is not filled in. 0 means "none" in IPv4.
    frame = frame[:14 + ihl + 6] + b'\x00\x00' + frame[14 + ihl + 8:14 + total]
    return src, payload, frame


def capture():
    for iface, s in raw.items():
        while True:
            try:
                frame, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            p = parse(frame)
            if p and p[0] in captured:
                lst = captured[p[0]]
                lst.append((p[2], p[1]))
                del lst[:-50]


def other_port_of(ip):
    return [iface for iface, nip in links if nip != ip]


period = 1.0 / rate
last_report = time.monotonic()
while running:
    t = time.monotonic()
    capture()
    for _iface, target in links:
        udp.sendto(os.urandom(random.randint(1, 200)), (target, port))
        sent['random'] += 1
        peers = [ip for ip in captured if ip != target and captured[ip]]
        if not peers:
            continue
        frame, payload = random.choice(captured[peers[0]])
        udp.sendto(payload[:random.randint(1, max(1, len(payload) - 1))], (target, port))
        sent['truncated'] += 1
        bad = bytearray(payload)
        bad[-1] ^= 0xff
        udp.sendto(bytes(bad), (target, port))
        sent['wrong-tag'] += 1
        udp.sendto(payload, (target, port))
        sent['replay-other-source'] += 1
        # The captured frame as it was, into the target's port: same source address and MAC.
        target_iface = [iface for iface, nip in links if nip == target][0]
        raw[target_iface].send(frame)
        sent['replay-genuine-source'] += 1
    if t - last_report >= 1:
        print(json.dumps({'sent': sent, 'captured': {k: len(v) for k, v in captured.items()}}), flush=True)
        last_report = t
    time.sleep(max(0.0, period - (time.monotonic() - t)))
print(json.dumps({'sent': sent, 'final': True}), flush=True)
