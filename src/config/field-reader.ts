// FieldReader: reads typed fields out of untrusted parsed JSON/YAML, collecting errors that name the field.
import { parseDurationMs } from './duration.js';

export type RawObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FieldReader {
  readonly errors: string[] = [];

  fail(path: string, message: string): void {
    this.errors.push(`${path}: ${message}`);
  }

  /** The object at `key` of `parent` (an empty one when absent); unknown keys are reported. */
  object(parent: RawObject, key: string, path: string, known: readonly string[]): RawObject {
    const value = parent[key];
    if (value === undefined || value === null) return {};
    if (!isObject(value)) {
      this.fail(path, 'expected an object');
      return {};
    }
    this.checkKnown(value, path, known);
    return value;
  }

  checkKnown(value: RawObject, path: string, known: readonly string[]): void {
    for (const k of Object.keys(value)) {
      if (!known.includes(k)) this.fail(path === '' ? k : `${path}.${k}`, `unknown field (known: ${known.join(', ')})`);
    }
  }

  bool(parent: RawObject, key: string, path: string, fallback: boolean): boolean {
    const value = parent[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    this.fail(path, 'expected true or false');
    return fallback;
  }

  int(parent: RawObject, key: string, path: string, fallback: number, min: number, max: number): number {
    const raw = parent[key];
    if (raw === undefined || raw === null) return fallback;
    const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  number(parent: RawObject, key: string, path: string, fallback: number, min: number, max: number): number {
    const raw = parent[key];
    if (raw === undefined || raw === null) return fallback;
    const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.fail(path, `expected a number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  }

  durationMs(parent: RawObject, key: string, path: string, fallback: number, minMs: number, maxMs: number): number {
    const raw = parent[key];
    if (raw === undefined || raw === null) return fallback;
    const parsed = parseDurationMs(raw);
    if (!parsed.ok) {
      this.fail(path, parsed.error);
      return fallback;
    }
    if (parsed.value < minMs || parsed.value > maxMs) {
      this.fail(path, `expected a duration from ${minMs} ms to ${maxMs} ms`);
      return fallback;
    }
    return parsed.value;
  }

  string(parent: RawObject, key: string, path: string): string | undefined {
    const value = parent[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(path, 'expected a non-empty string');
      return undefined;
    }
    return value;
  }

  stringList(parent: RawObject, key: string, path: string, fallback: readonly string[]): readonly string[] {
    const value = parent[key];
    if (value === undefined || value === null) return fallback;
    const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;
    if (!Array.isArray(list)) {
      this.fail(path, 'expected a list of strings');
      return fallback;
    }
    const out: string[] = [];
    list.forEach((item: unknown, i) => {
      if (typeof item === 'string' && item.trim() !== '') out.push(item.trim());
      else this.fail(`${path}[${i}]`, 'expected a non-empty string');
    });
    return out;
  }
}
