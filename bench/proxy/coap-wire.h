/* coap-wire.h: the little RFC 7252 wire handling the bench's C load generator and origin share. */
#ifndef COAP_WIRE_H
#define COAP_WIRE_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

/* RFC 7252 §3: message types and the header layout Ver|T|TKL, Code, Message ID. */
enum { T_CON = 0, T_NON = 1, T_ACK = 2, T_RST = 3 };
#define MAX_PKT 1280
#define CODE(c, d) ((uint8_t)(((c) << 5) | (d)))

/* RFC 7252 §5.10: option numbers used here. */
enum { O_OBSERVE = 6, O_URI_PATH = 11, O_CONTENT_FORMAT = 12, O_MAX_AGE = 14, O_URI_QUERY = 15, O_PROXY_URI = 35 };

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline size_t put_header(uint8_t *b, int type, uint8_t code, uint16_t mid, const uint8_t *tok, int tkl) {
  b[0] = (uint8_t)(0x40 | (type << 4) | tkl);
  b[1] = code;
  b[2] = (uint8_t)(mid >> 8);
  b[3] = (uint8_t)mid;
  if (tkl > 0) memcpy(b + 4, tok, (size_t)tkl);
  return 4 + (size_t)tkl;
}

/* RFC 7252 §3.1: option delta/length nibbles with 13 / 14 extensions. Options go in ascending order. */
static inline size_t put_option(uint8_t *b, unsigned *last, unsigned num, const void *val, size_t len) {
  unsigned delta = num - *last;
  size_t n = 1;
  uint8_t dn, ln;
  *last = num;
  if (delta < 13) dn = (uint8_t)delta;
  else if (delta < 269) { dn = 13; b[n++] = (uint8_t)(delta - 13); }
  else { dn = 14; b[n++] = (uint8_t)((delta - 269) >> 8); b[n++] = (uint8_t)(delta - 269); }
  if (len < 13) ln = (uint8_t)len;
  else if (len < 269) { ln = 13; b[n++] = (uint8_t)(len - 13); }
  else { ln = 14; b[n++] = (uint8_t)((len - 269) >> 8); b[n++] = (uint8_t)(len - 269); }
  b[0] = (uint8_t)((dn << 4) | ln);
  if (len > 0) memcpy(b + n, val, len);
  return n + len;
}

/* One parsed datagram: header fields plus where the options and payload are. */
struct msg {
  int type, tkl;
  uint8_t code;
  uint16_t mid;
  const uint8_t *tok;
  int observe;            /* 1 when an Observe option is present */
  const uint8_t *path;    /* first Uri-Path value, or NULL */
  size_t path_len;
  const uint8_t *payload;
  size_t payload_len;
};

/* Returns 0 on a well-formed message (RFC 7252 §3), -1 otherwise. */
static inline int parse_msg(const uint8_t *b, size_t len, struct msg *m) {
  size_t i;
  unsigned num = 0;
  if (len < 4 || (b[0] >> 6) != 1) return -1;
  m->type = (b[0] >> 4) & 3;
  m->tkl = b[0] & 15;
  m->code = b[1];
  m->mid = (uint16_t)((b[2] << 8) | b[3]);
  if (m->tkl > 8 || len < 4 + (size_t)m->tkl) return -1;
  m->tok = b + 4;
  m->observe = 0;
  m->path = NULL;
  m->path_len = 0;
  m->payload = NULL;
  m->payload_len = 0;
  i = 4 + (size_t)m->tkl;
  while (i < len) {
    unsigned d, l;
    if (b[i] == 0xff) {
      if (i + 1 >= len) return -1;
      m->payload = b + i + 1;
      m->payload_len = len - i - 1;
      return 0;
    }
    d = b[i] >> 4;
    l = b[i] & 15;
    i++;
    if (d == 13) { if (i >= len) return -1; d = 13u + b[i++]; }
    else if (d == 14) { if (i + 1 >= len) return -1; d = 269u + ((unsigned)b[i] << 8 | b[i + 1]); i += 2; }
    else if (d == 15) return -1;
    if (l == 13) { if (i >= len) return -1; l = 13u + b[i++]; }
    else if (l == 14) { if (i + 1 >= len) return -1; l = 269u + ((unsigned)b[i] << 8 | b[i + 1]); i += 2; }
    else if (l == 15) return -1;
    if (i + l > len) return -1;
    num += d;
    if (num == O_OBSERVE) m->observe = 1;
    if (num == O_URI_PATH && m->path == NULL) { m->path = b + i; m->path_len = l; }
    i += l;
  }
  return 0;
}

#endif
