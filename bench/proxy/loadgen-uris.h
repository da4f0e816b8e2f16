/* loadgen-uris.h: the load generator's target list: coap:// URIs read from a file, with their request options. */
#ifndef LOADGEN_URIS_H
#define LOADGEN_URIS_H

#include "coap-wire.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

/* One target. In proxy mode the whole text is the Proxy-Uri (RFC 7252 §5.10.2); in direct mode the
 * host must be an IPv4 literal and the path/query become Uri-Path/Uri-Query options (RFC 7252 §6.4). */
struct uri {
  char *text;
  size_t len;
  struct sockaddr_in addr;
  const char *path;  /* after the authority, without the leading '/'; may contain '?' */
  int silent;        /* path "silent": the bench origin never answers it (a dead device) */
};

static struct uri *uris;
static size_t n_uris;

static int parse_uri(struct uri *u, char *text) {
  char host[64], *p = text, *slash, *colon;
  size_t hl;
  long port = 5683;
  u->text = text;
  u->len = strlen(text);
  if (strncmp(p, "coap://", 7) != 0) return -1;
  p += 7;
  slash = strchr(p, '/');
  if (slash == NULL) slash = p + strlen(p);
  colon = memchr(p, ':', (size_t)(slash - p));
  hl = (size_t)((colon != NULL ? colon : slash) - p);
  if (hl == 0 || hl >= sizeof host) return -1;
  memcpy(host, p, hl);
  host[hl] = 0;
  if (colon != NULL) port = strtol(colon + 1, NULL, 10);
  memset(&u->addr, 0, sizeof u->addr);
  u->addr.sin_family = AF_INET;
  u->addr.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &u->addr.sin_addr) != 1) u->addr.sin_family = 0; /* a name: proxy mode only */
  u->path = *slash == '/' ? slash + 1 : slash;
  u->silent = strcmp(u->path, "silent") == 0;
  return 0;
}

static void add_uri(char *text) {
  static size_t cap;
  if (n_uris == cap) {
    cap = cap ? cap * 2 : 64;
    uris = realloc(uris, cap * sizeof *uris);
    if (uris == NULL) { perror("realloc"); exit(2); }
  }
  if (parse_uri(&uris[n_uris], text) != 0) { fprintf(stderr, "loadgen: bad URI %s\n", text); exit(2); }
  n_uris++;
}

static void read_uris(const char *file) {
  FILE *f = fopen(file, "r");
  char line[1024];
  if (f == NULL) { perror(file); exit(2); }
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] != 0) add_uri(strdup(line));
  }
  fclose(f);
}

/* Appends Uri-Path segments and Uri-Query items of `path` ("a/b?x=1&y") as options after `*last`. */
static size_t put_path_options(uint8_t *b, unsigned *last, const char *path) {
  size_t n = 0;
  const char *p = path, *q = strchr(path, '?');
  const char *end = q != NULL ? q : path + strlen(path);
  while (p < end) {
    const char *e = memchr(p, '/', (size_t)(end - p));
    if (e == NULL) e = end;
    n += put_option(b + n, last, O_URI_PATH, p, (size_t)(e - p));
    p = e + 1;
  }
  if (q != NULL) {
    p = q + 1;
    while (*p != 0) {
      const char *e = strchr(p, '&');
      if (e == NULL) e = p + strlen(p);
      n += put_option(b + n, last, O_URI_QUERY, p, (size_t)(e - p));
      p = *e == '&' ? e + 1 : e;
    }
  }
  return n;
}

#endif
