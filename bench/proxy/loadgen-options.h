/* loadgen-options.h: the load generator's command-line options (described at the top of loadgen.c). */
#ifndef LOADGEN_OPTIONS_H
#define LOADGEN_OPTIONS_H

#include "loadgen-uris.h"
#include <stdio.h>
#include <stdlib.h>

static int n_cl = 1, win = 1, direct, observe, once, hold, login_only, login_conc = 64;
static long warmup_ms, duration_ms = 5000, timeout_ms = 5000, retransmit_ms, ramp_ms;
static double rate;
static unsigned long count_max;
static struct sockaddr_in dest;
static char *login_token;
static size_t login_len;

static void parse_args(int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(a, "--direct") == 0) { direct = 1; continue; }
    if (strcmp(a, "--observe") == 0) { observe = 1; continue; }
    if (strcmp(a, "--once") == 0) { once = 1; continue; }
    if (strcmp(a, "--hold") == 0) { hold = 1; continue; }
    if (strcmp(a, "--login-only") == 0) { login_only = 1; continue; }
    i++;
    if (strcmp(a, "--dest") == 0) {
      char host[64];
      const char *colon = strrchr(v, ':');
      size_t hl = colon ? (size_t)(colon - v) : 0;
      if (colon == NULL || hl >= sizeof host) { fprintf(stderr, "loadgen: --dest IP:PORT\n"); exit(2); }
      memcpy(host, v, hl);
      host[hl] = 0;
      dest.sin_family = AF_INET;
      dest.sin_port = htons((uint16_t)atoi(colon + 1));
      if (inet_pton(AF_INET, host, &dest.sin_addr) != 1) { fprintf(stderr, "loadgen: bad --dest\n"); exit(2); }
    } else if (strcmp(a, "--uris") == 0) read_uris(v);
    else if (strcmp(a, "--uri") == 0) add_uri(strdup(v));
    else if (strcmp(a, "--clients") == 0) n_cl = atoi(v);
    else if (strcmp(a, "--window") == 0) win = atoi(v);
    else if (strcmp(a, "--warmup-ms") == 0) warmup_ms = atol(v);
    else if (strcmp(a, "--duration-ms") == 0) duration_ms = atol(v);
    else if (strcmp(a, "--count") == 0) count_max = strtoul(v, NULL, 10);
    else if (strcmp(a, "--timeout-ms") == 0) timeout_ms = atol(v);
    else if (strcmp(a, "--retransmit-ms") == 0) retransmit_ms = atol(v);
    else if (strcmp(a, "--ramp-ms") == 0) ramp_ms = atol(v);
    else if (strcmp(a, "--rate") == 0) rate = atof(v);
    else if (strcmp(a, "--login-concurrency") == 0) login_conc = atoi(v) > 0 ? atoi(v) : 1;
    else if (strcmp(a, "--login") == 0) {
      FILE *f = fopen(v, "r");
      static char tokbuf[8192];
      if (f == NULL) { perror(v); exit(2); }
      login_len = fread(tokbuf, 1, sizeof tokbuf - 1, f);
      fclose(f);
      while (login_len > 0 && (tokbuf[login_len - 1] == '\n' || tokbuf[login_len - 1] == '\r')) login_len--;
      login_token = tokbuf;
    } else { fprintf(stderr, "loadgen: unknown option %s\n", a); exit(2); }
  }
  if (login_only && login_token == NULL) { fprintf(stderr, "loadgen: --login-only needs --login\n"); exit(2); }
  if (login_only && n_uris == 0) add_uri(strdup("coap://127.0.0.1/unused"));
  if (n_uris == 0 || n_cl < 1 || win < 1 || win > 65535 || (!direct && dest.sin_family == 0)) {
    fprintf(stderr, "loadgen: need --uris/--uri, --clients>=1, 1<=--window<=65535, and --dest unless --direct\n");
    exit(2);
  }
  if (direct) for (i = 0; i < (int)n_uris; i++)
    if (uris[i].addr.sin_family == 0) { fprintf(stderr, "loadgen: --direct needs IPv4 literal hosts\n"); exit(2); }
}

#endif
