// pmipd's user-space IPv6-in-IPv6 tunnel (RFC 2473), for kernels without ip6tnl or seg6.
//
// One TUN device per peer and one raw socket for next header 41 bound to the local tunnel address.
// A thread of this addon does all the forwarding (JavaScript sees no packet):
//   encapsulation: an inner packet read from a peer's TUN is sent to that peer through the raw
//     socket; the kernel builds the outer header (source = the bound local address, next header
//     41, hop limit 64, no Tunnel Encapsulation Limit option: ip6tnl's `encaplimit none`);
//   decapsulation: what the raw socket receives (the payload after the outer header) is written to
//     the TUN of the peer it came from; packets from unknown sources are dropped and counted.
// ECN as Linux ip6tnl does it (RFC 6040, RFC 5213 §5.6.3): on entry the outer traffic class carries
// the inner ECN field, CE as ECT(0) (INET_ECN_encapsulate); on exit an outer CE marks an ECT inner
// packet CE and drops a Not-ECT one (INET_ECN_decapsulate; ecn_decapsulate here).
// GRE (RFC 2784/2890, RFC 5845 keys): a tunnel whose peers are given a `gre` object uses a
// protocol-47 raw socket instead; each peer adds a GRE header with its out key on entry, and on
// exit a packet goes to the peer of its source address whose in key it carries (others dropped).
// IPv4 inner packets (RFC 5844 §3.1.3, an IPv4 home address) go the same way: with next header 4
// on a second raw socket, or in GRE with protocol type 0x0800 (ECN alike, the IPv4 header checksum
// redone when CE is set).
// IPv4 transport (RFC 5844 §4): with an IPv4 local address the outer header is IPv4 (protocol 41
// for IPv6 inner packets, 4 for IPv4 ones), or IPv4/UDP with source and destination port 5437 for
// a peer given `udp: true` (the F flag was negotiated); ECN alike through the outer TOS. Peer
// addresses are kept as IPv4-mapped IPv6 addresses, so one lookup serves both families.
// The TUN devices are not persistent: they disappear with the file descriptors, also when the
// process is killed. An open protocol-41 raw socket also stops the kernel from answering tunnelled
// packets with ICMPv6 Parameter Problem (raw delivery counts as a handler).
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PEERS 1024
/** Packets handled per descriptor per wake-up, so one busy direction cannot starve the other. */
#define BATCH 64
#define PACKET_MAX 65575
#define SOCKET_BUFFER (4 * 1024 * 1024)
#define OUTER_HOP_LIMIT 64
#define IPPROTO_IPV6_IN_IPV6 41
#define IPPROTO_IPV4_IN_IPV6 4
#define IPPROTO_GRE_TUNNEL 47
#define GRE_FLAG_C 0x8000
#define GRE_FLAG_R 0x4000
#define GRE_FLAG_K 0x2000
#define GRE_FLAG_S 0x1000
#define GRE_PROTO_IPV6 0x86dd
#define GRE_PROTO_IPV4 0x0800
#define GRE_HEADER_MAX 16
#define UDP_PORT_PMIP_TUNNEL 5437

#define ECN_NOT_ECT 0
#define ECN_ECT_0 2
#define ECN_CE 3

enum counter { C_ENCAP, C_DECAP, C_UNKNOWN_PEER, C_ECN_DROPPED, C_NOT_IPV6, C_ERRORS, C_GRE_KEY, C_COUNT };
static const char *const counter_names[C_COUNT] = {
  "encapsulated", "decapsulated", "droppedUnknownPeer", "droppedEcn", "droppedNotIpv6", "errors", "droppedGreKey",
};

struct peer {
  int fd;
  struct in6_addr addr;
  /** GRE peer: has_okey says whether a Key field goes out, has_ikey whether one must come in. */
  int gre, has_okey, has_ikey;
  uint32_t okey, ikey;
  /** IPv4 transport: IPv4-UDP (port 5437) instead of plain IPv4 encapsulation. */
  int udp;
};

struct tunnel {
  /** IPPROTO_IPV6_IN_IPV6, or IPPROTO_GRE_TUNNEL when the peers are GRE peers. */
  int protocol;
  int raw;
  /** Next header 4 (IPv4 inner packets) when not GRE; -1 with GRE, where the protocol type tells. */
  int raw4;
  /** IPv4 transport: the outer header is IPv4; `udp` is the socket bound to port 5437, or -1. */
  int v4transport;
  int udp;
  int wake;
  int epoll;
  int npeers;
  struct peer *peers;
  pthread_t thread;
  int thread_started;
  int closed;
  uint64_t counters[C_COUNT];
  int last_errno;
  /** Set by ignoreEcnOnExit (quirk ecn-not-propagated): see ecn_decapsulate. */
  int ecn_exit_ignored;
  unsigned char packet[GRE_HEADER_MAX + PACKET_MAX];
};

static void count(struct tunnel *t, enum counter c) { __atomic_fetch_add(&t->counters[c], 1, __ATOMIC_RELAXED); }

static void count_error(struct tunnel *t, int err) {
  count(t, C_ERRORS);
  __atomic_store_n(&t->last_errno, err, __ATOMIC_RELAXED);
}

static int ecn_of(const unsigned char *ip6) { return (ip6[1] >> 4) & 3; }

/** Writes the GRE header of `p` (protocol type `proto`) just before `at`; returns its length. */
static size_t gre_header(const struct peer *p, unsigned char *at, uint16_t proto) {
  size_t len = p->has_okey ? 8 : 4;
  unsigned char *h = at - len;
  uint16_t flags = p->has_okey ? GRE_FLAG_K : 0;
  h[0] = flags >> 8; h[1] = flags & 0xff; h[2] = proto >> 8; h[3] = proto & 0xff;
  if (p->has_okey) { h[4] = p->okey >> 24; h[5] = (p->okey >> 16) & 0xff; h[6] = (p->okey >> 8) & 0xff; h[7] = p->okey & 0xff; }
  return len;
}

/** The IPv4 address of an IPv4-mapped peer address. */
static struct in_addr mapped_v4(const struct in6_addr *a) {
  struct in_addr v;
  memcpy(&v, &a->s6_addr[12], 4);
  return v;
}

static void mapped_from_v4(struct in6_addr *out, struct in_addr v) {
  memset(out, 0, sizeof *out);
  out->s6_addr[10] = out->s6_addr[11] = 0xff;
  memcpy(&out->s6_addr[12], &v, 4);
}

static void encapsulate_from(struct tunnel *t, struct peer *p) {
  struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = p->addr };
  struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_addr = mapped_v4(&p->addr), .sin_port = p->udp ? htons(UDP_PORT_PMIP_TUNNEL) : 0 };
  char control[CMSG_SPACE(sizeof(int))];
  unsigned char *inner_at = t->packet + GRE_HEADER_MAX;
  for (int i = 0; i < BATCH; i++) {
    ssize_t n = read(p->fd, inner_at, PACKET_MAX);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) count_error(t, errno);
      return;
    }
    int v4 = n >= 20 && (inner_at[0] >> 4) == 4;
    if (!v4 && (n < 40 || (inner_at[0] >> 4) != 6)) { count(t, C_NOT_IPV6); continue; }
    int inner = v4 ? (inner_at[1] & 3) : ecn_of(inner_at);
    int tclass = inner == ECN_CE ? ECN_ECT_0 : inner;
    size_t header = p->gre ? gre_header(p, inner_at, v4 ? GRE_PROTO_IPV4 : GRE_PROTO_IPV6) : 0;
    struct iovec iov = { .iov_base = inner_at - header, .iov_len = (size_t)n + header };
    struct msghdr msg = { .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = t->v4transport ? IPPROTO_IP : IPPROTO_IPV6;
    cm->cmsg_type = t->v4transport ? IP_TOS : IPV6_TCLASS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &tclass, sizeof tclass);
    int sock = v4 && !p->gre ? t->raw4 : t->raw;
    if (t->v4transport) {
      msg.msg_name = &to4;
      msg.msg_namelen = sizeof to4;
      if (p->udp) sock = t->udp;
    }
    if (sendmsg(sock, &msg, 0) < 0) count_error(t, errno);
    else count(t, C_ENCAP);
  }
}

static struct peer *peer_by_address(struct tunnel *t, const struct in6_addr *a) {
  for (int i = 0; i < t->npeers; i++) if (memcmp(&t->peers[i].addr, a, sizeof *a) == 0) return &t->peers[i];
  return NULL;
}

/**
 * The GRE header at the start of t->packet (n octets): its length and, through `key`/`has_key`,
 * its Key field and whether it carries IPv4 (`v4`); -1 when it is not GRE version 0 carrying IPv6 or
 * IPv4 (no routing present, RFC 2784).
 */
static ssize_t gre_parse(const unsigned char *g, ssize_t n, uint32_t *key, int *has_key, int *v4) {
  if (n < 4) return -1;
  uint16_t flags = (uint16_t)((g[0] << 8) | g[1]);
  uint16_t proto = (uint16_t)((g[2] << 8) | g[3]);
  if ((flags & 7) != 0 || (flags & GRE_FLAG_R) || (proto != GRE_PROTO_IPV6 && proto != GRE_PROTO_IPV4)) return -1;
  *v4 = proto == GRE_PROTO_IPV4;
  ssize_t at = 4;
  if (flags & GRE_FLAG_C) at += 4;
  *has_key = (flags & GRE_FLAG_K) != 0;
  if (*has_key) {
    if (n < at + 4) return -1;
    *key = ((uint32_t)g[at] << 24) | ((uint32_t)g[at + 1] << 16) | ((uint32_t)g[at + 2] << 8) | g[at + 3];
    at += 4;
  }
  if (flags & GRE_FLAG_S) at += 4;
  return n < at ? -1 : at;
}

/** The GRE peer at address `a` whose in key the packet carries. */
static struct peer *gre_peer(struct tunnel *t, const struct in6_addr *a, int has_key, uint32_t key) {
  for (int i = 0; i < t->npeers; i++) {
    struct peer *p = &t->peers[i];
    if (memcmp(&p->addr, a, sizeof *a) == 0 && p->has_ikey == has_key && (!has_key || p->ikey == key)) return p;
  }
  return NULL;
}

/** Sets CE in an IPv4 header and redoes its checksum (RFC 1624 would do; the header is short). */
static void ipv4_set_ce(unsigned char *ip4) {
  ip4[1] |= ECN_CE;
  ip4[10] = ip4[11] = 0;
  uint32_t sum = 0;
  size_t ihl = (size_t)(ip4[0] & 15) * 4;
  for (size_t k = 0; k + 1 < ihl; k += 2) sum += (uint32_t)(ip4[k] << 8 | ip4[k + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip4[10] = (unsigned char)(~sum >> 8);
  ip4[11] = (unsigned char)~sum;
}

/**
 * RFC 6040 §4.2 (RFC 5213 §5.6.3) on exit: an outer CE marks an ECT inner packet CE and drops a
 * Not-ECT one (returns 0: drop); any other outer ECN leaves the inner field alone. With
 * `ecn_exit_ignored` (quirk ecn-not-propagated) the outer ECN is ignored, as seg6 End.DX6 does.
 */
static int ecn_decapsulate(struct tunnel *t, int outer, unsigned char *ip, int v4) {
  if (outer != ECN_CE || __atomic_load_n(&t->ecn_exit_ignored, __ATOMIC_RELAXED)) return 1;
  if ((v4 ? ip[1] & 3 : ecn_of(ip)) == ECN_NOT_ECT) { count(t, C_ECN_DROPPED); return 0; }
  if (v4) ipv4_set_ce(ip);
  else ip[1] |= ECN_CE << 4;
  return 1;
}

/** What `sock` received: IPv6 inner packets from the next-header-41 (or GRE) socket, IPv4 ones from the 4 one. */
static void decapsulate(struct tunnel *t, int sock) {
  int v4 = sock == t->raw4;
  for (int i = 0; i < BATCH; i++) {
    struct sockaddr_in6 from;
    struct sockaddr_in from4;
    char control[CMSG_SPACE(sizeof(int)) * 2];
    struct iovec iov = { .iov_base = t->packet, .iov_len = PACKET_MAX };
    struct msghdr msg = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control, .msg_controllen = sizeof control };
    if (t->v4transport) { msg.msg_name = &from4; msg.msg_namelen = sizeof from4; }
    ssize_t n = recvmsg(sock, &msg, 0);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR) count_error(t, errno);
      return;
    }
    unsigned char *ip = t->packet;
    struct peer *p;
    int outer_tos = -1;
    if (t->v4transport) {
      // A raw IPv4 socket hands over the outer header too; the UDP one only the payload.
      mapped_from_v4(&from.sin6_addr, from4.sin_addr);
      if (sock != t->udp) {
        size_t ihl = n >= 20 ? (size_t)(ip[0] & 15) * 4 : 0;
        if (ihl < 20 || (ssize_t)ihl > n) { count(t, C_NOT_IPV6); continue; }
        outer_tos = ip[1];
        ip += ihl;
        n -= (ssize_t)ihl;
      }
      v4 = n >= 1 && (ip[0] >> 4) == 4;
    }
    if (t->protocol == IPPROTO_GRE_TUNNEL) {
      uint32_t key = 0;
      int has_key = 0;
      ssize_t header = gre_parse(t->packet, n, &key, &has_key, &v4);
      if (header < 0) { count(t, C_NOT_IPV6); continue; }
      if (peer_by_address(t, &from.sin6_addr) == NULL) { count(t, C_UNKNOWN_PEER); continue; }
      p = gre_peer(t, &from.sin6_addr, has_key, key);
      if (p == NULL) { count(t, C_GRE_KEY); continue; }
      ip += header;
      n -= header;
    } else {
      p = peer_by_address(t, &from.sin6_addr);
      if (p == NULL) { count(t, C_UNKNOWN_PEER); continue; }
    }
    int ok = v4 ? n >= 20 && (ip[0] >> 4) == 4 && (size_t)(ip[0] & 15) * 4 <= (size_t)n
                : n >= 40 && (ip[0] >> 4) == 6;
    if (!ok || (msg.msg_flags & MSG_TRUNC)) { count(t, C_NOT_IPV6); continue; }
    int outer = outer_tos >= 0 ? outer_tos & 3 : ECN_NOT_ECT;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS) {
        int tc;
        memcpy(&tc, CMSG_DATA(cm), sizeof tc);
        outer = tc & 3;
      } else if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS) {
        outer = *(unsigned char *)CMSG_DATA(cm) & 3;
      }
    }
    if (!ecn_decapsulate(t, outer, ip, v4)) continue;
    if (write(p->fd, ip, (size_t)n) < 0) count_error(t, errno);
    else count(t, C_DECAP);
  }
}

static void *forward(void *arg) {
  struct tunnel *t = arg;
  struct epoll_event events[32];
  for (;;) {
    int n = epoll_wait(t->epoll, events, 32, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      count_error(t, errno);
      return NULL;
    }
    for (int i = 0; i < n; i++) {
      uint32_t who = events[i].data.u32;
      if (who == (uint32_t)t->npeers + 1) return NULL;
      if (who == (uint32_t)t->npeers) decapsulate(t, t->raw);
      else if (who == (uint32_t)t->npeers + 2) decapsulate(t, t->raw4);
      else if (who == (uint32_t)t->npeers + 3) decapsulate(t, t->udp);
      else encapsulate_from(t, &t->peers[who]);
    }
  }
}

static void release(struct tunnel *t) {
  if (t->closed) return;
  t->closed = 1;
  if (t->thread_started) {
    uint64_t one = 1;
    if (write(t->wake, &one, sizeof one) < 0) { /* the thread still ends when its descriptors close */ }
    pthread_join(t->thread, NULL);
  }
  for (int i = 0; i < t->npeers; i++) if (t->peers[i].fd >= 0) close(t->peers[i].fd);
  if (t->raw >= 0) close(t->raw);
  if (t->raw4 >= 0) close(t->raw4);
  if (t->udp >= 0) close(t->udp);
  if (t->wake >= 0) close(t->wake);
  if (t->epoll >= 0) close(t->epoll);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  struct tunnel *t = data;
  release(t);
  free(t->peers);
  free(t);
}

// ---- N-API glue ------------------------------------------------------------------------------

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "pmipd-tunnel: N-API call failed: " #call); return NULL; } } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int string_arg(napi_env env, napi_value v, char *out, size_t size) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok) return -1;
  return len + 1 < size ? 0 : -1;
}

static int open_tun(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { int e = errno; close(fd); errno = e; return -1; }
  return fd;
}

static int open_raw(const struct in6_addr *local, int protocol) {
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -1;
  int one = 1, hops = OUTER_HOP_LIMIT, buf = SOCKET_BUFFER;
  struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = *local };
  // The forced sizes need CAP_NET_ADMIN; without it the plain ones (capped by rmem_max) do.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one) < 0
      || setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) < 0
      || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno; close(fd); errno = e; return -1;
  }
  return fd;
}

/** IPv4 transport: a raw socket of `protocol` (41 or 4), or the UDP socket (protocol 0) on port 5437, bound to `local`. */
static int open_v4(struct in_addr local, int protocol) {
  int fd = protocol == 0 ? socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP)
                         : socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return -1;
  int one = 1, ttl = OUTER_HOP_LIMIT, buf = SOCKET_BUFFER;
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = local, .sin_port = protocol == 0 ? htons(UDP_PORT_PMIP_TUNNEL) : 0 };
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
  if ((protocol == 0 && setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof one) < 0)
      || setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl) < 0
      || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno; close(fd); errno = e; return -1;
  }
  return fd;
}

/** A peer's optional `udp: true` (IPv4 transport): 1, 0, or -1 when it is not a boolean. */
static int udp_arg(napi_env env, napi_value item) {
  bool has, value;
  napi_value v;
  if (napi_has_named_property(env, item, "udp", &has) != napi_ok) return -1;
  if (!has) return 0;
  if (napi_get_named_property(env, item, "udp", &v) != napi_ok) return -1;
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok) return -1;
  if (type == napi_undefined) return 0;
  if (type != napi_boolean || napi_get_value_bool(env, v, &value) != napi_ok) return -1;
  return value ? 1 : 0;
}

/** Moves the calling thread into the network namespace at `path` (tests); "" = stay where it is. */
struct in_netns { int self; };
static int enter_netns(const char *path, struct in_netns *saved) {
  saved->self = -1;
  if (path[0] == '\0') return 0;
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) return -1;
  saved->self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved->self < 0 || setns(target, CLONE_NEWNET) < 0) {
    int e = errno; close(target); if (saved->self >= 0) close(saved->self); saved->self = -1; errno = e; return -1;
  }
  close(target);
  return 0;
}
static void leave_netns(struct in_netns *saved) {
  if (saved->self < 0) return;
  if (setns(saved->self, CLONE_NEWNET) < 0) abort(); // the main thread of Node in a test namespace: unrecoverable
  close(saved->self);
}

/** A peer's optional `gre: {outKey?: number, inKey?: number}`: 1 GRE peer, 0 none, -1 malformed. */
static int gre_arg(napi_env env, napi_value item, struct peer *p) {
  bool has;
  napi_value gre, v;
  napi_valuetype type;
  if (napi_has_named_property(env, item, "gre", &has) != napi_ok) return -1;
  if (!has || napi_get_named_property(env, item, "gre", &gre) != napi_ok || napi_typeof(env, gre, &type) != napi_ok || type == napi_undefined) return 0;
  if (type != napi_object) return -1;
  p->gre = 1;
  const char *names[2] = { "outKey", "inKey" };
  for (int k = 0; k < 2; k++) {
    if (napi_has_named_property(env, gre, names[k], &has) != napi_ok) return -1;
    if (!has) continue;
    if (napi_get_named_property(env, gre, names[k], &v) != napi_ok || napi_typeof(env, v, &type) != napi_ok) return -1;
    if (type == napi_undefined) continue;
    double d;
    if (type != napi_number || napi_get_value_double(env, v, &d) != napi_ok || d < 0 || d > 4294967295.0 || d != (double)(uint32_t)d) return -1;
    if (k == 0) { p->has_okey = 1; p->okey = (uint32_t)d; } else { p->has_ikey = 1; p->ikey = (uint32_t)d; }
  }
  return 1;
}

// open(local: string, peers: {device: string, peer: string, gre?: {outKey?, inKey?}}[], netns: string) -> handle
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char local_text[INET6_ADDRSTRLEN], netns[4096];
  struct in6_addr local;
  struct in_addr local4;
  int v4transport = 0;
  if (argc < 3 || string_arg(env, argv[0], local_text, sizeof local_text) < 0) {
    napi_throw_type_error(env, NULL, "open: the local tunnel address must be an IPv6 or IPv4 address");
    return NULL;
  }
  if (inet_pton(AF_INET6, local_text, &local) != 1) {
    if (inet_pton(AF_INET, local_text, &local4) != 1) {
      napi_throw_type_error(env, NULL, "open: the local tunnel address must be an IPv6 or IPv4 address");
      return NULL;
    }
    v4transport = 1;
  }
  if (string_arg(env, argv[2], netns, sizeof netns) < 0) { napi_throw_type_error(env, NULL, "open: netns must be a string"); return NULL; }
  uint32_t npeers;
  CHECK(napi_get_array_length(env, argv[1], &npeers));
  if (npeers == 0 || npeers > MAX_PEERS) { napi_throw_range_error(env, NULL, "open: between 1 and 1024 peers"); return NULL; }

  struct tunnel *t = calloc(1, sizeof *t);
  struct peer *peers = calloc(npeers, sizeof *peers);
  char (*names)[IFNAMSIZ] = calloc(npeers, IFNAMSIZ);
  if (t == NULL || peers == NULL || names == NULL) { free(t); free(peers); free(names); napi_throw_error(env, NULL, "open: out of memory"); return NULL; }
  t->raw = t->raw4 = t->udp = t->wake = t->epoll = -1;
  t->protocol = IPPROTO_IPV6_IN_IPV6;
  t->v4transport = v4transport;
  int any_udp = 0;
  t->peers = peers;
  for (uint32_t i = 0; i < npeers; i++) peers[i].fd = -1;
  for (uint32_t i = 0; i < npeers; i++) {
    napi_value item, dev, addr;
    char text[INET6_ADDRSTRLEN];
    if (napi_get_element(env, argv[1], i, &item) != napi_ok || napi_get_named_property(env, item, "device", &dev) != napi_ok
        || napi_get_named_property(env, item, "peer", &addr) != napi_ok || string_arg(env, dev, names[i], IFNAMSIZ) < 0
        || names[i][0] == '\0' || string_arg(env, addr, text, sizeof text) < 0) {
      free(t); free(peers); free(names);
      napi_throw_type_error(env, NULL, "open: each peer needs a device name (< 16 characters) and an address");
      return NULL;
    }
    struct in_addr peer4;
    int parsed = v4transport ? inet_pton(AF_INET, text, &peer4) : inet_pton(AF_INET6, text, &peers[i].addr);
    int udp = udp_arg(env, item);
    if (parsed != 1 || udp < 0 || (udp == 1 && !v4transport)) {
      free(t); free(peers); free(names);
      napi_throw_type_error(env, NULL, "open: a peer's address is of the local address's family; udp (a boolean) only with an IPv4 local address");
      return NULL;
    }
    if (v4transport) mapped_from_v4(&peers[i].addr, peer4);
    peers[i].udp = udp;
    any_udp |= udp;
    int gre = gre_arg(env, item, &peers[i]);
    if (gre < 0 || (i > 0 && gre != peers[0].gre)) {
      free(t); free(peers); free(names);
      napi_throw_type_error(env, NULL, "open: a peer's gre is {outKey?, inKey?} with 32-bit unsigned keys, given for every peer or none");
      return NULL;
    }
    if (gre == 1) t->protocol = IPPROTO_GRE_TUNNEL;
  }
  if (v4transport && t->protocol == IPPROTO_GRE_TUNNEL) {
    free(t); free(peers); free(names);
    napi_throw_type_error(env, NULL, "open: GRE over an IPv4 transport is not built");
    return NULL;
  }

  struct in_netns saved;
  char what[128] = "";
  int err = 0;
  if (enter_netns(netns, &saved) < 0) {
    err = errno;
    snprintf(what, sizeof what, "cannot enter network namespace %.80s", netns);
  } else {
    for (uint32_t i = 0; i < npeers && err == 0; i++) {
      peers[i].fd = open_tun(names[i]);
      if (peers[i].fd < 0) { err = errno; snprintf(what, sizeof what, "TUN device %s (/dev/net/tun, TUNSETIFF)", names[i]); }
      t->npeers = (int)i + 1;
    }
    if (v4transport) {
      if (err == 0 && (t->raw = open_v4(local4, IPPROTO_IPV6_IN_IPV6)) < 0) { err = errno; snprintf(what, sizeof what, "raw IPv4 socket for protocol 41 bound to %s", local_text); }
      if (err == 0 && (t->raw4 = open_v4(local4, IPPROTO_IPV4_IN_IPV6)) < 0) { err = errno; snprintf(what, sizeof what, "raw IPv4 socket for protocol 4 bound to %s", local_text); }
      if (err == 0 && any_udp && (t->udp = open_v4(local4, 0)) < 0) { err = errno; snprintf(what, sizeof what, "UDP socket bound to %s port 5437", local_text); }
    }
    if (!v4transport && err == 0 && (t->raw = open_raw(&local, t->protocol)) < 0) {
      err = errno;
      snprintf(what, sizeof what, "raw IPv6 socket for next header %d bound to %s", t->protocol, local_text);
    }
    if (!v4transport && err == 0 && t->protocol != IPPROTO_GRE_TUNNEL && (t->raw4 = open_raw(&local, IPPROTO_IPV4_IN_IPV6)) < 0) {
      err = errno;
      snprintf(what, sizeof what, "raw IPv6 socket for next header 4 bound to %s", local_text);
    }
    leave_netns(&saved);
  }
  if (err == 0 && ((t->wake = eventfd(0, EFD_CLOEXEC)) < 0 || (t->epoll = epoll_create1(EPOLL_CLOEXEC)) < 0)) {
    err = errno;
    snprintf(what, sizeof what, "eventfd/epoll");
  }
  for (int i = 0; err == 0 && i <= t->npeers + 3; i++) {
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
    int fd = i < t->npeers ? peers[i].fd : i == t->npeers ? t->raw : i == t->npeers + 1 ? t->wake : i == t->npeers + 2 ? t->raw4 : t->udp;
    if (fd < 0) continue;
    if (epoll_ctl(t->epoll, EPOLL_CTL_ADD, fd, &ev) < 0) { err = errno; snprintf(what, sizeof what, "epoll_ctl"); }
  }
  if (err == 0) {
    // The thread takes no signals: they stay with Node's threads (SIGTERM, SIGINT, SIGCHLD).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if ((err = pthread_create(&t->thread, NULL, forward, t)) != 0) snprintf(what, sizeof what, "pthread_create");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
  }
  free(names);
  if (err != 0) {
    release(t);
    free(peers);
    free(t);
    return throw_errno(env, what, err);
  }
  t->thread_started = 1;
  napi_value handle;
  if (napi_create_external(env, t, finalize, NULL, &handle) != napi_ok) {
    release(t); free(peers); free(t);
    napi_throw_error(env, NULL, "open: napi_create_external failed");
    return NULL;
  }
  return handle;
}

static struct tunnel *handle_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a tunnel handle");
    return NULL;
  }
  return data;
}

static napi_value js_counters(napi_env env, napi_callback_info info) {
  struct tunnel *t = handle_arg(env, info);
  if (t == NULL) return NULL;
  napi_value out, v;
  CHECK(napi_create_object(env, &out));
  for (int i = 0; i < C_COUNT; i++) {
    CHECK(napi_create_double(env, (double)__atomic_load_n(&t->counters[i], __ATOMIC_RELAXED), &v));
    CHECK(napi_set_named_property(env, out, counter_names[i], v));
  }
  int e = __atomic_load_n(&t->last_errno, __ATOMIC_RELAXED);
  if (e != 0) {
    CHECK(napi_create_string_utf8(env, strerror(e), NAPI_AUTO_LENGTH, &v));
    CHECK(napi_set_named_property(env, out, "lastError", v));
  }
  return out;
}

// ignoreEcnOnExit(handle): decapsulation leaves the inner ECN field as it came (a deliberate deviation)
static napi_value js_ignore_ecn_on_exit(napi_env env, napi_callback_info info) {
  struct tunnel *t = handle_arg(env, info);
  if (t == NULL) return NULL;
  __atomic_store_n(&t->ecn_exit_ignored, 1, __ATOMIC_RELAXED);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  struct tunnel *t = handle_arg(env, info);
  if (t == NULL) return NULL;
  release(t);
  return NULL;
}

// probe(netns: string) -> null when a TUN device and a protocol-41 raw socket can be had, else why not
static napi_value js_probe(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  char netns[4096] = "";
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1 && string_arg(env, argv[0], netns, sizeof netns) < 0) { napi_throw_type_error(env, NULL, "probe: netns must be a string"); return NULL; }
  char why[256] = "";
  struct in_netns saved;
  if (enter_netns(netns, &saved) < 0) {
    snprintf(why, sizeof why, "cannot enter network namespace: %s", strerror(errno));
  } else {
    int fd = open_tun("pmipdprobe%d");
    if (fd < 0) snprintf(why, sizeof why, "/dev/net/tun (TUNSETIFF): %s", strerror(errno));
    else close(fd);
    if (why[0] == '\0') {
      int s = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_IPV6_IN_IPV6);
      if (s < 0) snprintf(why, sizeof why, "raw IPv6 socket for next header 41: %s", strerror(errno));
      else close(s);
    }
    leave_netns(&saved);
  }
  if (why[0] == '\0') CHECK(napi_get_null(env, &out));
  else CHECK(napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &out));
  return out;
}

// ---- a bound Mobility Header socket ---------------------------------------------------------
// pmipd sends its Mobility Headers through this when IPsec protects them. An IPPROTO_RAW socket
// (its own IPv6 header) is looked up in the SPD as protocol 255, so a policy selecting the Mobility
// Header (135) never protects it; this socket is protocol 135, bound to the local address (the
// LMAA or Proxy-CoA: raw-socket cannot bind), and the kernel builds the header and the checksum.

// mhOpen(local: string) -> fd
static napi_value js_mh_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  char text[INET6_ADDRSTRLEN];
  struct in6_addr local;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || string_arg(env, argv[0], text, sizeof text) < 0 || inet_pton(AF_INET6, text, &local) != 1) {
    napi_throw_type_error(env, NULL, "mhOpen: the local address must be an IPv6 address");
    return NULL;
  }
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_MH);
  if (fd < 0) return throw_errno(env, "socket(AF_INET6, SOCK_RAW, 135)", errno);
  struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = local };
  // It also receives every Mobility Header (the other raw socket reads them): keep the queue tiny.
  int hops = OUTER_HOP_LIMIT, small = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno; close(fd);
    return throw_errno(env, "bind of the Mobility Header socket", e);
  }
  CHECK(napi_create_int32(env, fd, &out));
  return out;
}

// mhSend(fd: number, mh: Uint8Array, dst: string): the whole Mobility Header, or an exception
static napi_value js_mh_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  void *data;
  size_t len;
  char text[INET6_ADDRSTRLEN];
  struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok
      || napi_get_typedarray_info(env, argv[1], NULL, &len, &data, NULL, NULL) != napi_ok
      || string_arg(env, argv[2], text, sizeof text) < 0 || inet_pton(AF_INET6, text, &sa.sin6_addr) != 1) {
    napi_throw_type_error(env, NULL, "mhSend(fd, Uint8Array, IPv6 address)");
    return NULL;
  }
  if (sendto(fd, data, len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) return throw_errno(env, "sendto", errno);
  return NULL;
}

static napi_value js_mh_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc >= 1 && napi_get_value_int32(env, argv[0], &fd) == napi_ok && fd >= 0) close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL },
    { "counters", NULL, js_counters, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
    { "ignoreEcnOnExit", NULL, js_ignore_ecn_on_exit, NULL, NULL, NULL, napi_default, NULL },
    { "probe", NULL, js_probe, NULL, NULL, NULL, napi_default, NULL },
    { "mhOpen", NULL, js_mh_open, NULL, NULL, NULL, napi_default, NULL },
    { "mhSend", NULL, js_mh_send, NULL, NULL, NULL, napi_default, NULL },
    { "mhClose", NULL, js_mh_close, NULL, NULL, NULL, napi_default, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
