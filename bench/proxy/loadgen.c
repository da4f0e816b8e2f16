/* loadgen.c: the proxy benchmark's CoAP load generator: N client sockets, a window of CON requests each.
 *
 * Options (all "--name value" except the flags --direct, --observe, --once, --hold):
 *   --dest IP:PORT     where requests go (the proxy); with --direct each URI's own address is used
 *   --uris FILE | --uri URI   targets, taken round robin; sent as Proxy-Uri, or with --direct as Uri-Path
 *   --clients N --window W   sockets, and outstanding CON requests per socket
 *   --warmup-ms --duration-ms --count N   measured run bounded by time and by requests (0 = no bound)
 *   --timeout-ms T     a request with no response after T counts as a loss (timeout)
 *   --retransmit-ms R  0 (default): no retransmission, so every drop shows as a loss; else RFC 7252 §4.2
 *                      style retransmission after R, 2R, 4R, 8R ms (4 at most) until a response or an ACK
 *   --ramp-ms R        spread the first request of every slot over R ms instead of one burst
 *   --rate R           at most R requests/s in all, each request at its own time (a FIFO of paced
 *                      starts, waited for with epoll_pwait2's nanosecond timeout); default: closed loop
 *   --login FILE       first POST /sessions from every socket with the file's text as payload, expect 2.01
 *                      (at most --login-concurrency K at a time, default 64; retransmitted every second
 *                      until answered); --login-only: just that
 *   --observe          requests carry Observe 0 (RFC 7641 §3.1); a 2.xx with Observe holds the slot
 *   --once             every slot sends one request only; --hold: after the report, keep the sockets
 *                      (and ACK what arrives) until stdin is closed
 * rps counts the 2.xx responses received inside the measured window; latency and codes cover the
 * requests sent inside it (their responses may arrive during the drain that follows).
 * Responses are matched by token (8 bytes: client, slot, generation); an empty ACK by message ID. A CON
 * response is ACKed (RFC 7252 §5.2.2). URIs whose path is "silent" (a dead device) are counted apart:
 * the 5.04 a proxy answers for them is the expected result. Output: one JSON line (loadgen-report.h).
 * Diagnosis: LOADGEN_DUMP=FILE writes every measured request's start (µs into the window) and latency (µs).
 */
#define _GNU_SOURCE
#include "coap-wire.h"
#include "loadgen-report.h"
#include "loadgen-options.h"
#include "loadgen-uris.h"
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { FREE, SCHEDULED, WAIT, ACKED, HELD };
enum { K_REQ, K_LOGIN };
enum { P_LOGIN, P_RUN, P_DRAIN };

struct slot { uint64_t t0, last_tx, start_at; uint32_t uri; uint16_t mid, gen; uint8_t state, tries, kind, measured, used, paced; };
struct client { int fd; uint16_t next_mid; struct slot *slots; };

static struct client *cl;
static int phase;
static unsigned long logins_done, issued_measured;
static int login_next;
static uint64_t t_begin, measure_start, measure_end, drain_end, next_rate_slot;
static size_t next_uri;

static void fail(const char *what) { perror(what); exit(2); }

/* LOADGEN_DUMP=FILE (diagnosis): every measured request's start and latency, in µs, one per line. */
static FILE *dump;

/* Paced starts in scheduling order: next_rate_slot only grows, so the FIFO is sorted by start time. */
static int *paced_q;
static long paced_head, paced_len;

static void put_token(uint8_t *t, int c, int s, uint16_t gen) {
  t[0] = (uint8_t)(c >> 24); t[1] = (uint8_t)(c >> 16); t[2] = (uint8_t)(c >> 8); t[3] = (uint8_t)c;
  t[4] = (uint8_t)(s >> 8); t[5] = (uint8_t)s; t[6] = (uint8_t)(gen >> 8); t[7] = (uint8_t)gen;
}

static void transmit(int c, int s) {
  struct slot *sl = &cl[c].slots[s];
  uint8_t b[MAX_PKT], tok[8], cf = 0;
  unsigned last = 0;
  size_t n;
  const struct sockaddr_in *to = &dest;
  put_token(tok, c, s, sl->gen);
  if (sl->kind == K_LOGIN) {
    n = put_header(b, T_CON, CODE(0, 2), sl->mid, tok, 8);
    n += put_option(b + n, &last, O_URI_PATH, "sessions", 8);
    n += put_option(b + n, &last, O_CONTENT_FORMAT, &cf, 0);
    b[n++] = 0xff;
    memcpy(b + n, login_token, login_len);
    n += login_len;
  } else {
    const struct uri *u = &uris[sl->uri];
    n = put_header(b, T_CON, CODE(0, 1), sl->mid, tok, 8);
    if (observe) n += put_option(b + n, &last, O_OBSERVE, NULL, 0);
    if (direct) {
      n += put_path_options(b + n, &last, u->path);
      to = &u->addr;
    } else {
      n += put_option(b + n, &last, O_PROXY_URI, u->text, u->len);
    }
  }
  if (sendto(cl[c].fd, b, n, 0, (const struct sockaddr *)to, sizeof *to) < 0 && errno != EAGAIN) fail("sendto");
  sl->last_tx = now_ns();
}

static int may_issue(const struct slot *sl, uint64_t t) {
  if (phase != P_RUN || (once && sl->used)) return 0;
  if (t >= measure_start && count_max > 0 && issued_measured >= count_max) return 0;
  return 1;
}

static void issue_now(int c, int s, uint64_t t) {
  struct slot *sl = &cl[c].slots[s];
  if (!may_issue(sl, t)) { sl->state = FREE; return; }
  sl->gen++;
  sl->mid = cl[c].next_mid++;
  sl->uri = (uint32_t)(next_uri++ % n_uris);
  sl->kind = K_REQ;
  sl->t0 = t;
  sl->tries = 0;
  sl->used = 1;
  sl->paced = 0;
  sl->measured = t >= measure_start;
  if (sl->measured) {
    issued_measured++;
    if (uris[sl->uri].silent) st.silent_sent++; else st.sent++;
  }
  sl->state = WAIT;
  transmit(c, s);
}

/* With --rate, requests leave at most `rate` per second (quantised to the 1 ms sweep). */
static void issue(int c, int s, uint64_t t) {
  struct slot *sl = &cl[c].slots[s];
  uint64_t at;
  if (rate <= 0 || !may_issue(sl, t)) { issue_now(c, s, t); return; }
  at = next_rate_slot > t ? next_rate_slot : t;
  next_rate_slot = at + (uint64_t)(1e9 / rate);
  if (at <= t) { issue_now(c, s, t); return; }
  sl->start_at = at;
  sl->paced = 1;
  sl->state = SCHEDULED;
  paced_q[(paced_head + paced_len) % ((long)n_cl * win)] = c * win + s;
  paced_len++;
}

/* Sends the paced requests whose time has come; returns ns until the next one (or 1 ms). */
static uint64_t run_paced(uint64_t t) {
  long cap = (long)n_cl * win;
  while (paced_len > 0) {
    int k = paced_q[paced_head], c = k / win, s = k % win;
    struct slot *sl = &cl[c].slots[s];
    if (sl->start_at > t) return sl->start_at - t < 1000000u ? sl->start_at - t : 1000000u;
    paced_head = (paced_head + 1) % cap;
    paced_len--;
    issue_now(c, s, t);
  }
  return 1000000u;
}

static void start_run(uint64_t t) {
  int c, s;
  long total = (long)n_cl * win, k = 0;
  if (login_only) { phase = P_DRAIN; measure_start = measure_end = drain_end = t; return; }
  phase = P_RUN;
  measure_start = t + (uint64_t)warmup_ms * 1000000ull;
  measure_end = measure_start + (uint64_t)duration_ms * 1000000ull;
  for (s = 0; s < win; s++)
    for (c = 0; c < n_cl; c++, k++) {
      cl[c].slots[s].start_at = t + (uint64_t)(ramp_ms * 1000000.0 * (double)k / (double)total);
      cl[c].slots[s].state = SCHEDULED;
    }
}

static void start_login(int c, uint64_t t) {
  struct slot *sl = &cl[c].slots[0];
  sl->kind = K_LOGIN; sl->gen = 1; sl->mid = cl[c].next_mid++; sl->t0 = t; sl->tries = 0; sl->state = WAIT;
  transmit(c, 0);
}

static void complete(int c, int s, uint8_t code, int has_observe, uint64_t t) {
  struct slot *sl = &cl[c].slots[s];
  if (sl->kind == K_LOGIN) {
    st.login_codes[code]++;
    if (code == CODE(2, 1)) st.login_ok++; else st.login_fail++;
    sl->state = FREE;
    if (login_next < n_cl) start_login(login_next++, t);
    if (++logins_done == (unsigned long)n_cl) start_run(t);
    return;
  }
  st.total_done++;
  /* Throughput: every 2.xx received inside the measured window, whenever its request left. */
  if (t >= measure_start && t <= measure_end && (code >> 5) == 2 && !uris[sl->uri].silent) st.in_window++;
  if (sl->measured && uris[sl->uri].silent) {
    if (code == CODE(5, 4)) st.silent_504++; else st.silent_other++;
  } else if (sl->measured) {
    st.codes[code]++;
    if ((code >> 5) == 2) st.ok++; else st.errors++;
    record_latency(t - sl->t0);
    if (dump != NULL) fprintf(dump, "%llu %llu\n", (unsigned long long)((sl->t0 - measure_start) / 1000u), (unsigned long long)((t - sl->t0) / 1000u));
  }
  if (observe && has_observe && (code >> 5) == 2) { sl->state = HELD; st.held++; return; }
  issue(c, s, t);
}

static void on_datagram(int c, const uint8_t *b, size_t len, const struct sockaddr_in *from, uint64_t t) {
  struct msg m;
  int s;
  if (parse_msg(b, len, &m) != 0) { st.unmatched++; return; }
  if (m.type == T_CON && m.code >= 64) { /* separate response or notification: ACK it (RFC 7252 §5.2.2) */
    uint8_t ack[4];
    put_header(ack, T_ACK, 0, m.mid, NULL, 0);
    sendto(cl[c].fd, ack, 4, 0, (const struct sockaddr *)from, sizeof *from);
  }
  if (m.code == 0 || m.type == T_RST) { /* empty ACK or RST: matched by message ID */
    for (s = 0; s < win; s++) {
      struct slot *sl = &cl[c].slots[s];
      if (sl->state != WAIT || sl->mid != m.mid) continue;
      if (m.type == T_ACK) { sl->state = ACKED; if (sl->measured) st.empty_acks++; }
      else if (m.type == T_RST) { if (sl->measured) st.rst++; complete(c, s, 0, 0, t); }
      return;
    }
    return;
  }
  if (m.code < 64 || m.tkl != 8) { st.unmatched++; return; }
  s = (m.tok[4] << 8) | m.tok[5];
  if (((m.tok[0] << 24) | (m.tok[1] << 16) | (m.tok[2] << 8) | m.tok[3]) != c || s >= win) { st.unmatched++; return; }
  {
    struct slot *sl = &cl[c].slots[s];
    uint16_t gen = (uint16_t)((m.tok[6] << 8) | m.tok[7]);
    if (sl->gen != gen) { st.unmatched++; return; }
    if (sl->state == HELD) { st.notifications++; return; }
    if (sl->state != WAIT && sl->state != ACKED) { st.unmatched++; return; }
    if (m.type != T_ACK && sl->measured) st.separate++;
    complete(c, s, m.code, m.observe, t);
  }
}

static void read_socket(int c) {
  enum { B = 32 };
  static uint8_t buf[B][MAX_PKT];
  static struct sockaddr_in from[B];
  static struct iovec iov[B];
  static struct mmsghdr mm[B];
  int n, i;
  do {
    for (i = 0; i < B; i++) {
      iov[i].iov_base = buf[i];
      iov[i].iov_len = MAX_PKT;
      memset(&mm[i].msg_hdr, 0, sizeof mm[i].msg_hdr);
      mm[i].msg_hdr.msg_iov = &iov[i];
      mm[i].msg_hdr.msg_iovlen = 1;
      mm[i].msg_hdr.msg_name = &from[i];
      mm[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    n = recvmmsg(cl[c].fd, mm, B, MSG_DONTWAIT, NULL);
    for (i = 0; i < n; i++) on_datagram(c, buf[i], mm[i].msg_len, &from[i], now_ns());
  } while (n == B);
}

/* Logins are always retransmitted (1 s unless --retransmit-ms says otherwise): a lost login is no figure. */
static long rto_ms(const struct slot *sl) { return sl->kind == K_LOGIN && retransmit_ms == 0 ? 1000 : retransmit_ms; }

/* Timers by one sweep (at most every millisecond): scheduled starts, retransmissions, timeouts. */
static void sweep(uint64_t t) {
  int c, s;
  uint64_t to = (uint64_t)timeout_ms * 1000000ull;
  for (c = 0; c < n_cl; c++)
    for (s = 0; s < win; s++) {
      struct slot *sl = &cl[c].slots[s];
      if (sl->state == SCHEDULED) {
        if (!sl->paced && t >= sl->start_at) issue(c, s, t); /* paced ones: run_paced() */
        continue;
      }
      if (sl->state != WAIT && sl->state != ACKED) continue;
      if (t - sl->t0 >= to) {
        if (sl->kind == K_LOGIN) { complete(c, s, 0, 0, t); continue; } /* counted as login code 0.00 */
        if (sl->measured) { if (uris[sl->uri].silent) st.silent_timeouts++; else st.timeouts++; }
        issue(c, s, t);
      } else if (sl->state == WAIT && rto_ms(sl) > 0 && sl->tries < 4 &&
                 t - sl->last_tx >= ((uint64_t)rto_ms(sl) << sl->tries) * 1000000ull) {
        sl->tries++;
        if (sl->measured) st.retransmits++;
        transmit(c, s);
      }
    }
}

static int outstanding(void) {
  int c, s, n = 0;
  for (c = 0; c < n_cl; c++)
    for (s = 0; s < win; s++) n += cl[c].slots[s].state == WAIT || cl[c].slots[s].state == ACKED;
  return n;
}

int main(int argc, char **argv) {
  int ep, c, n, i, in_done = 0;
  struct epoll_event ev, evs[512];
  uint64_t last_sweep = 0, t;
  parse_args(argc, argv);
  if (getenv("LOADGEN_DUMP") != NULL && (dump = fopen(getenv("LOADGEN_DUMP"), "w")) == NULL) fail("LOADGEN_DUMP");
  cl = calloc((size_t)n_cl, sizeof *cl);
  paced_q = calloc((size_t)n_cl * (size_t)win, sizeof *paced_q);
  if ((ep = epoll_create1(0)) < 0 || cl == NULL || paced_q == NULL) fail("setup");
  for (c = 0; c < n_cl; c++) {
    struct sockaddr_in any = { .sin_family = AF_INET };
    int sz = 1 << 20;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cl[c].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (cl[c].fd < 0 || bind(cl[c].fd, (struct sockaddr *)&any, sizeof any) < 0) fail("socket");
    setsockopt(cl[c].fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
    cl[c].next_mid = (uint16_t)(c * 7919u);
    cl[c].slots = calloc((size_t)win, sizeof *cl[c].slots);
    if (cl[c].slots == NULL) fail("calloc");
    ev.events = EPOLLIN;
    ev.data.u32 = (uint32_t)c;
    epoll_ctl(ep, EPOLL_CTL_ADD, cl[c].fd, &ev);
  }
  t_begin = now_ns();
  measure_start = measure_end = UINT64_MAX;
  if (login_token != NULL) {
    phase = P_LOGIN;
    while (login_next < n_cl && login_next < login_conc) start_login(login_next++, t_begin);
  } else start_run(t_begin);
  for (;;) {
    /* Paced requests that are due leave first; the wait ends when the next one is due. */
    struct timespec wait = { 0, (long)(rate > 0 ? run_paced(now_ns()) : 1000000u) };
    n = epoll_pwait2(ep, evs, 512, &wait, NULL);
    if (n < 0 && errno != EINTR) fail("epoll_wait");
    for (i = 0; i < n; i++) {
      if (evs[i].data.u32 == UINT32_MAX) {
        char b[256];
        if (read(0, b, sizeof b) <= 0) return 0; /* --hold ends when stdin closes */
      } else read_socket((int)evs[i].data.u32);
    }
    t = now_ns();
    if (t - last_sweep >= 1000000u) { sweep(t); last_sweep = t; }
    if (in_done) continue;
    if (phase == P_RUN && (t >= measure_end || (once && t > measure_start && issued_measured == (unsigned long)n_cl * win) ||
                           (count_max > 0 && issued_measured >= count_max))) {
      phase = P_DRAIN;
      drain_end = t + (uint64_t)timeout_ms * 1000000ull + 100000000ull;
      if (measure_end > t) measure_end = t;
    }
    if (phase == P_DRAIN && (outstanding() == 0 || t >= drain_end)) {
      double measured = (double)(measure_end - measure_start) / 1e9;
      print_report(direct ? "direct" : "proxy", n_cl, win, measured > 0 ? measured : 0, (double)(t - t_begin) / 1e9);
      if (dump != NULL) fclose(dump);
      dump = NULL;
      if (!hold) return 0;
      in_done = 1;
      ev.events = EPOLLIN;
      ev.data.u32 = UINT32_MAX;
      epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
    }
  }
}
