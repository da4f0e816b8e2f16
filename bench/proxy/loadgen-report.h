/* loadgen-report.h: the load generator's counters, latency samples and its one-line JSON report. */
#ifndef LOADGEN_REPORT_H
#define LOADGEN_REPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

struct stats {
  unsigned long sent, ok, errors, timeouts, rst, retransmits, empty_acks, separate, unmatched, notifications;
  unsigned long in_window, held, login_ok, login_fail, total_done;
  unsigned long silent_sent, silent_504, silent_other, silent_timeouts;
  unsigned long codes[256];
  unsigned long login_codes[256];
};

static struct stats st;
static uint32_t *lat_us;
static size_t n_lat, cap_lat;

static void record_latency(uint64_t ns) {
  if (n_lat == cap_lat) {
    cap_lat = cap_lat ? cap_lat * 2 : 1 << 16;
    lat_us = realloc(lat_us, cap_lat * sizeof *lat_us);
    if (lat_us == NULL) { perror("realloc"); exit(2); }
  }
  lat_us[n_lat++] = (uint32_t)(ns / 1000u);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile over the sorted samples. */
static uint32_t pct(double p) {
  size_t rank;
  if (n_lat == 0) return 0;
  rank = (size_t)(p / 100.0 * (double)n_lat + 0.999999);
  if (rank < 1) rank = 1;
  if (rank > n_lat) rank = n_lat;
  return lat_us[rank - 1];
}

static void print_codes(const char *name, const unsigned long *codes) {
  int c, first = 1;
  printf("\"%s\":{", name);
  for (c = 0; c < 256; c++) {
    if (codes[c] == 0) continue;
    printf("%s\"%d.%02d\":%lu", first ? "" : ",", c >> 5, c & 31, codes[c]);
    first = 0;
  }
  printf("}");
}

static void print_report(const char *mode, int clients, int window, double measured_s, double wall_s) {
  double sum = 0, cpu;
  size_t i;
  struct rusage ru;
  qsort(lat_us, n_lat, sizeof *lat_us, cmp_u32);
  for (i = 0; i < n_lat; i++) sum += lat_us[i];
  getrusage(RUSAGE_SELF, &ru);
  cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
        ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
  printf("{\"mode\":\"%s\",\"clients\":%d,\"window\":%d,\"measured_s\":%.3f,\"sent\":%lu,\"ok\":%lu,"
         "\"errors\":%lu,\"timeouts\":%lu,\"rst\":%lu,\"retransmits\":%lu,\"empty_acks\":%lu,"
         "\"separate\":%lu,\"unmatched\":%lu,\"notifications\":%lu,\"held\":%lu,\"rps\":%.1f,",
         mode, clients, window, measured_s, st.sent, st.ok, st.errors, st.timeouts, st.rst, st.retransmits,
         st.empty_acks, st.separate, st.unmatched, st.notifications, st.held,
         measured_s > 0 ? (double)st.in_window / measured_s : 0.0);
  print_codes("codes", st.codes);
  printf(",\"lat_us\":{\"n\":%zu,\"p50\":%u,\"p90\":%u,\"p99\":%u,\"max\":%u,\"mean\":%.1f},", n_lat, pct(50),
         pct(90), pct(99), n_lat ? lat_us[n_lat - 1] : 0, n_lat ? sum / (double)n_lat : 0.0);
  printf("\"login\":{\"ok\":%lu,\"fail\":%lu,", st.login_ok, st.login_fail);
  print_codes("codes", st.login_codes);
  printf("},\"silent\":{\"sent\":%lu,\"gateway_timeout\":%lu,\"other\":%lu,\"timeouts\":%lu},", st.silent_sent,
         st.silent_504, st.silent_other, st.silent_timeouts);
  printf("\"total_done\":%lu,\"loadgen_cpu_s\":%.3f,\"wall_s\":%.3f}\n", st.total_done, cpu, wall_s);
  fflush(stdout);
}

#endif
