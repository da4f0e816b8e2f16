// Bench harness: times a function over a fixed number of iterations and prints one figure line.
export interface BenchResult {
  readonly name: string;
  readonly opsPerSec: number;
  readonly iterations: number;
}

/** Runs `fn` `iterations` times after a warm-up, returns operations per second. */
export function measure(name: string, iterations: number, fn: () => void): BenchResult {
  const warm = Math.min(iterations, 10_000);
  for (let i = 0; i < warm; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ns = Number(process.hrtime.bigint() - start);
  return { name, opsPerSec: (iterations * 1e9) / ns, iterations };
}

export function printResult(r: BenchResult): void {
  console.log(`${r.name.padEnd(48)} ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(14)} ops/s`);
}

export function printRatio(label: string, ours: BenchResult, theirs: BenchResult): void {
  console.log(`${label.padEnd(48)} ${(ours.opsPerSec / theirs.opsPerSec).toFixed(2).padStart(14)} x`);
}
