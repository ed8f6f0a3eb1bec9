/*
 * Gratuitous ARP from inside the daemon: one AF_PACKET datagram per frame,
 * with no process to spawn on the failover path (spawning arping cost
 * several milliseconds there; keepalived sends from its own process too).
 *
 * The frames are the ones iputils arping sends: `-U` is a broadcast request
 * with sender = target = VIP and target MAC ff:ff:ff:ff:ff:ff, `-A` a
 * broadcast reply with target MAC = our MAC.
 *
 * sendGratuitousArp(ifname: string, ipv4: string, reply: boolean): void
 * throws an Error whose code is the errno name (ENODEV, EPERM, ENETDOWN, ...)
 * and whose syscall says which step failed.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "errno-name.h"

struct arp_ipv4 {
  uint16_t htype;
  uint16_t ptype;
  uint8_t hlen;
  uint8_t plen;
  uint16_t oper;
  uint8_t sha[6];
  uint8_t spa[4];
  uint8_t tha[6];
  uint8_t tpa[4];
} __attribute__((packed));

static napi_value throw_errno(napi_env env, int e, const char *syscall, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(e), what);
  napi_value code, message, error, sys;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return NULL;
}

/*
 * One socket for the life of the process, opened on first use. Closing a
 * packet socket waits for an RCU grace period (synchronize_net() in
 * packet_release), about 10 ms here, and this runs on the event loop.
 * Protocol 0: the socket sends only and never queues received frames.
 */
static int packet_fd = -1;

static int packet_socket(void) {
  if (packet_fd < 0) packet_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  return packet_fd;
}

static int string_arg(napi_env env, napi_value v, char *out, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok) return -1;
  return len + 1 < size ? 0 : -1;
}

static napi_value send_gratuitous_arp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ifname[IFNAMSIZ + 1];
  char address[INET_ADDRSTRLEN + 1];
  bool reply = false;
  if (argc != 3 || string_arg(env, argv[0], ifname, sizeof ifname) != 0 || string_arg(env, argv[1], address, sizeof address) != 0 ||
      napi_get_value_bool(env, argv[2], &reply) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "sendGratuitousArp(ifname: string, ipv4: string, reply: boolean)");
    return NULL;
  }
  struct in_addr ip;
  if (inet_pton(AF_INET, address, &ip) != 1) {
    napi_throw_type_error(env, "EINVAL", "not an IPv4 address");
    return NULL;
  }

  int fd = packet_socket();
  if (fd < 0) return throw_errno(env, errno, "socket", "AF_PACKET needs CAP_NET_RAW");

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1); /* string_arg bounds it below IFNAMSIZ */
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    return throw_errno(env, errno, "ioctl(SIOCGIFINDEX)", ifname);
  }
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
    return throw_errno(env, errno, "ioctl(SIOCGIFHWADDR)", ifname);
  }
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    return throw_errno(env, EINVAL, "ioctl(SIOCGIFHWADDR)", "not an Ethernet interface");
  }

  struct arp_ipv4 arp;
  arp.htype = htons(ARPHRD_ETHER);
  arp.ptype = htons(ETH_P_IP);
  arp.hlen = 6;
  arp.plen = 4;
  arp.oper = htons(reply ? ARPOP_REPLY : ARPOP_REQUEST);
  memcpy(arp.sha, ifr.ifr_hwaddr.sa_data, 6);
  memcpy(arp.spa, &ip, 4);
  if (reply) memcpy(arp.tha, ifr.ifr_hwaddr.sa_data, 6);
  else memset(arp.tha, 0xff, 6);
  memcpy(arp.tpa, &ip, 4);

  struct sockaddr_ll to;
  memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = ifindex;
  to.sll_halen = 6;
  memset(to.sll_addr, 0xff, 6);
  /* MSG_DONTWAIT: a stalled transmit queue must not block the event loop (EAGAIN is reported as transient). */
  ssize_t sent = sendto(fd, &arp, sizeof arp, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof to);
  if (sent < 0) return throw_errno(env, errno, "sendto", ifname);
  if ((size_t)sent != sizeof arp) return throw_errno(env, EMSGSIZE, "sendto", "short write");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sendGratuitousArp", NAPI_AUTO_LENGTH, send_gratuitous_arp, NULL, &fn);
  napi_set_named_property(env, exports, "sendGratuitousArp", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
