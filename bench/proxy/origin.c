/* origin.c: a minimal fast CoAP origin ("device") for the proxy benchmark: answers at once or after a delay.
 *
 * Every CON GET gets a piggybacked 2.05 at once (RFC 7252 §5.2.1), or, with --delay-ms, an empty ACK at
 * once and a separate CON 2.05 after the delay (RFC 7252 §5.2.2; sent once, never retransmitted: loopback
 * does not lose datagrams, and the bench counts what arrives). A NON request gets a NON 2.05. A request
 * for /silent is never answered (a dead device, for the 5.04 check). A request with Observe gets Observe 1
 * in its response (RFC 7641 §3.2), and no notification ever follows. Every 2.05 carries Max-Age 0
 * (RFC 7252 §5.10.5) so that no proxy may answer from its cache: each request is forwarded and measured.
 * It binds one socket per address (--addr A, or --addrs FILE with one IPv4 address a line; all on one
 * port, --port 0 = OS-chosen for the first), prints {"port":P,"addresses":N} once bound, then serves.
 * Control on stdin: the line "stats" prints one JSON line of counters and resets them; EOF exits.
 */
#define _GNU_SOURCE
#include "coap-wire.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64

struct pending { uint64_t due; int fd; struct sockaddr_in to; uint8_t tok[8]; int tkl; int observe; };

static int *fds;
static unsigned *hits;
static int nfds;
static uint64_t delay_ns;
static struct pending *q;
static size_t q_cap, q_head, q_len;
static uint16_t next_mid = 1;
static unsigned long st_req, st_con, st_non, st_obs, st_acks, st_silent, st_delayed, st_bad;
static const char payload[] = "origin-ok";

static void die(const char *what) { perror(what); exit(2); }

static int bind_one(const char *addr, int *port) {
  struct sockaddr_in sa;
  socklen_t sl = sizeof sa;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), sz = 4 << 20;
  if (fd < 0) die("socket");
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)*port);
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) { fprintf(stderr, "origin: bad address %s\n", addr); exit(2); }
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind");
  if (*port == 0) {
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *port = ntohs(sa.sin_port);
  }
  return fd;
}

static void q_push(int fd, const struct sockaddr_in *to, const struct msg *m) {
  struct pending *p;
  if (q_len == q_cap) {
    size_t ncap = q_cap ? q_cap * 2 : 4096, i;
    struct pending *nq = malloc(ncap * sizeof *nq);
    if (nq == NULL) die("malloc");
    for (i = 0; i < q_len; i++) nq[i] = q[(q_head + i) % q_cap];
    free(q);
    q = nq;
    q_cap = ncap;
    q_head = 0;
  }
  p = &q[(q_head + q_len) % q_cap];
  p->due = now_ns() + delay_ns;
  p->fd = fd;
  p->to = *to;
  memcpy(p->tok, m->tok, (size_t)m->tkl);
  p->tkl = m->tkl;
  p->observe = m->observe;
  q_len++;
}

static size_t build_response(uint8_t *b, int type, uint16_t mid, const uint8_t *tok, int tkl, int observe) {
  unsigned last = 0;
  uint8_t one = 1;
  size_t n = put_header(b, type, CODE(2, 5), mid, tok, tkl);
  if (observe) n += put_option(b + n, &last, O_OBSERVE, &one, 1);
  n += put_option(b + n, &last, O_MAX_AGE, NULL, 0);
  b[n++] = 0xff;
  memcpy(b + n, payload, sizeof payload - 1);
  return n + sizeof payload - 1;
}

/* Sends the separate responses whose delay is over; returns ms until the next one is due, or -1. */
static int flush_due(void) {
  uint8_t b[MAX_PKT];
  uint64_t t = now_ns();
  while (q_len > 0) {
    struct pending *p = &q[q_head];
    size_t n;
    if (p->due > t) return (int)((p->due - t) / 1000000u) + 1;
    n = build_response(b, T_CON, next_mid++, p->tok, p->tkl, p->observe);
    sendto(p->fd, b, n, 0, (struct sockaddr *)&p->to, sizeof p->to);
    st_delayed++;
    q_head = (q_head + 1) % q_cap;
    q_len--;
  }
  return -1;
}

static void serve_socket(int idx) {
  static uint8_t in[BATCH][MAX_PKT], out[BATCH][MAX_PKT];
  static struct sockaddr_in from[BATCH];
  static struct iovec iin[BATCH], iout[BATCH];
  static struct mmsghdr min[BATCH], mout[BATCH];
  int fd = fds[idx], n, i, k;
  for (;;) {
    for (i = 0; i < BATCH; i++) {
      iin[i].iov_base = in[i];
      iin[i].iov_len = MAX_PKT;
      memset(&min[i].msg_hdr, 0, sizeof min[i].msg_hdr);
      min[i].msg_hdr.msg_iov = &iin[i];
      min[i].msg_hdr.msg_iovlen = 1;
      min[i].msg_hdr.msg_name = &from[i];
      min[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    n = recvmmsg(fd, min, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    for (i = 0, k = 0; i < n; i++) {
      struct msg m;
      size_t len = 0;
      if (parse_msg(in[i], min[i].msg_len, &m) != 0) { st_bad++; continue; }
      if (m.code == 0 || m.code >= 32) { if (m.type == T_ACK) st_acks++; continue; }
      st_req++;
      hits[idx]++;
      if (m.observe) st_obs++;
      if (m.path_len == 6 && memcmp(m.path, "silent", 6) == 0) { st_silent++; continue; }
      if (m.type == T_CON) {
        st_con++;
        if (delay_ns > 0) {
          len = put_header(out[k], T_ACK, 0, m.mid, NULL, 0);
          q_push(fd, &from[i], &m);
        } else {
          len = build_response(out[k], T_ACK, m.mid, m.tok, m.tkl, m.observe);
        }
      } else if (m.type == T_NON) {
        st_non++;
        len = build_response(out[k], T_NON, next_mid++, m.tok, m.tkl, m.observe);
      }
      if (len == 0) continue;
      iout[k].iov_base = out[k];
      iout[k].iov_len = len;
      memset(&mout[k].msg_hdr, 0, sizeof mout[k].msg_hdr);
      mout[k].msg_hdr.msg_iov = &iout[k];
      mout[k].msg_hdr.msg_iovlen = 1;
      mout[k].msg_hdr.msg_name = &from[i];
      mout[k].msg_hdr.msg_namelen = sizeof from[i];
      k++;
    }
    if (k > 0) sendmmsg(fd, mout, (unsigned)k, 0);
    if (n < BATCH) return;
  }
}

static void print_stats(void) {
  int i, distinct = 0;
  for (i = 0; i < nfds; i++) if (hits[i] > 0) distinct++;
  printf("{\"requests\":%lu,\"con\":%lu,\"non\":%lu,\"observe\":%lu,\"acks_in\":%lu,\"silent\":%lu,"
         "\"delayed_sent\":%lu,\"delayed_pending\":%zu,\"malformed\":%lu,\"distinct_addresses\":%d}\n",
         st_req, st_con, st_non, st_obs, st_acks, st_silent, st_delayed, q_len, st_bad, distinct);
  fflush(stdout);
  st_req = st_con = st_non = st_obs = st_acks = st_silent = st_delayed = st_bad = 0;
  memset(hits, 0, (size_t)nfds * sizeof *hits);
}

static void read_control(void) {
  static char line[256];
  static size_t used;
  ssize_t r = read(0, line + used, sizeof line - 1 - used);
  char *nl;
  if (r <= 0) exit(0);
  used += (size_t)r;
  line[used] = 0;
  while ((nl = strchr(line, '\n')) != NULL) {
    *nl = 0;
    if (strcmp(line, "stats") == 0) print_stats();
    used -= (size_t)(nl + 1 - line);
    memmove(line, nl + 1, used + 1);
  }
  if (used >= sizeof line - 1) used = 0;
}

static int read_addrs(const char *file, char ***out) {
  FILE *f = fopen(file, "r");
  char buf[64];
  int n = 0, cap = 1024;
  char **list = malloc((size_t)cap * sizeof *list);
  if (f == NULL || list == NULL) die(file);
  while (fgets(buf, sizeof buf, f) != NULL) {
    buf[strcspn(buf, "\r\n")] = 0;
    if (buf[0] == 0) continue;
    if (n == cap) { cap *= 2; list = realloc(list, (size_t)cap * sizeof *list); if (list == NULL) die("realloc"); }
    list[n++] = strdup(buf);
  }
  fclose(f);
  *out = list;
  return n;
}

int main(int argc, char **argv) {
  const char *addr = "127.0.0.1", *addr_file = NULL;
  char **addrs = NULL;
  int port = 0, i, naddr, ep;
  struct epoll_event ev, evs[256];
  for (i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--addr") == 0) addr = argv[i + 1];
    else if (strcmp(argv[i], "--addrs") == 0) addr_file = argv[i + 1];
    else if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--delay-ms") == 0) delay_ns = (uint64_t)atol(argv[i + 1]) * 1000000ull;
    else { fprintf(stderr, "origin: unknown option %s\n", argv[i]); return 2; }
  }
  if (addr_file != NULL) naddr = read_addrs(addr_file, &addrs);
  else { naddr = 1; addrs = (char **)&addr; }
  fds = malloc((size_t)naddr * sizeof *fds);
  hits = calloc((size_t)naddr, sizeof *hits);
  if ((ep = epoll_create1(0)) < 0 || fds == NULL || hits == NULL) die("setup");
  for (i = 0; i < naddr; i++) {
    fds[i] = bind_one(addrs[i], &port);
    ev.events = EPOLLIN;
    ev.data.u32 = (uint32_t)i + 1;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) die("epoll_ctl");
  }
  nfds = naddr;
  ev.events = EPOLLIN;
  ev.data.u32 = 0;
  epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
  printf("{\"port\":%d,\"addresses\":%d}\n", port, naddr);
  fflush(stdout);
  for (;;) {
    int wait_ms = flush_due(), n = epoll_wait(ep, evs, 256, wait_ms), j;
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (j = 0; j < n; j++) {
      if (evs[j].data.u32 == 0) read_control();
      else serve_socket((int)evs[j].data.u32 - 1);
    }
  }
}
