// loadConfig: a JSON or YAML config file plus flag/env overrides -> validated GatewayConfig or clear errors.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { type Result, ok, err } from '../base/index.js';
import type { GatewayConfig } from './gateway-config.js';
import { isObject, type RawObject } from './field-reader.js';
import { parseConfig } from './parse-config.js';

/** Parses config text; YAML is a superset of JSON, so one parser reads both. */
export function parseConfigText(text: string, source = 'config'): Result<unknown, readonly string[]> {
  try {
    return ok(parseYaml(text, { prettyErrors: true, uniqueKeys: true }) as unknown);
  } catch (e) {
    return err([`${source}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`]);
  }
}

/**
 * Deep-merges `overrides` (same shape as the file, e.g. `{ listen: [{ host, port }] }` or
 * `{ forwarding: { strictOptions: true } }`) over `base`; arrays and scalars replace.
 */
export function mergeRaw(base: unknown, overrides: RawObject): RawObject {
  const out: Record<string, unknown> = isObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isObject(value) && isObject(current) ? mergeRaw(current, value) : value;
  }
  return out;
}

/** Reads `path` (if given), applies overrides, validates. Errors name the file and the field. */
export async function loadConfig(path: string | undefined, overrides: RawObject = {}): Promise<Result<GatewayConfig, readonly string[]>> {
  let raw: unknown = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      return err([`${path}: cannot read (${e instanceof Error ? e.message : String(e)})`]);
    }
    const parsed = parseConfigText(text, path);
    if (!parsed.ok) return parsed;
    raw = parsed.value ?? {};
    if (!isObject(raw)) return err([`${path}: expected a mapping/object at the top level`]);
  }
  const result = parseConfig(mergeRaw(raw, overrides));
  if (!result.ok && path !== undefined) return err(result.error.map((e) => `${path}: ${e}`));
  return result;
}
