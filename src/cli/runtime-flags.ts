// The Node.js flags the gateway runs with: the `coap-gateway` command's shebang, `npm start` and the
// benchmark pass these (runtime-flags.test.ts keeps the three in step).

/**
 * Young generation of 4 MB semi-spaces instead of V8's default, which grows to 16 MB under load.
 *
 * Each scavenge stops the event loop for a time that grows with the young generation: it frees the
 * ArrayBuffer of every datagram received since the last one. At half load (bench s2b, ~50,000
 * requests/s) a 16 MB young generation made 0.9 ms pauses every 73 ms, which alone put ~1.9% of
 * requests over 1 ms; 4 MB makes 0.4 ms pauses every 18 ms (0.5% over 1 ms), for ~2.5% of
 * saturation throughput (bench/RESULTS.md). It also keeps the process 24 MB smaller.
 * The flag cannot be set once the process runs: V8 sizes the heap at start.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
