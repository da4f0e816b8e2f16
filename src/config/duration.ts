// parseDurationMs: "4h", "15m", "90s", "500ms" or a plain number of milliseconds -> milliseconds.
import { type Result, ok, err } from '../base/index.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(value: unknown): Result<number> {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? ok(value) : err('expected a non-negative duration');
  }
  if (typeof value !== 'string') return err('expected a duration such as "4h", "15m", "90s", "500ms" or milliseconds');
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (m === null) return err(`"${value}" is not a duration such as "4h", "15m", "90s" or "500ms"`);
  const amount = Number(m[1]);
  const unit = UNIT_MS[m[2] ?? 'ms'] ?? 1;
  return ok(Math.round(amount * unit));
}
