// Link-format (RFC 6690) as a readable table: one row per resource, one column per attribute in use.
import type { Link } from '../coap/index.js';

/** Attributes shown as their own columns, in this order, when any link has them (RFC 6690 §3, RFC 7641 §6). */
const KNOWN_COLUMNS = ['rt', 'if', 'ct', 'sz', 'obs', 'title'] as const;
const MAX_CELL = 60;

function cell(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

function values(link: Link, name: string): string | undefined {
  const found = link.attributes.filter((a) => a.name === name);
  if (found.length === 0) return undefined;
  // A bare parameter such as `obs` has no value: show a check mark instead of an empty cell.
  return found.map((a) => a.value ?? 'yes').join(' ');
}

/**
 * The table: RESOURCE plus the known attribute columns that occur, then one OTHER column with any
 * remaining attributes as `name=value`. An empty document gives "(no resources)".
 */
export function renderLinkTable(links: readonly Link[]): string {
  if (links.length === 0) return '(no resources)';
  const columns = KNOWN_COLUMNS.filter((c) => links.some((l) => l.attributes.some((a) => a.name === c)));
  const hasOther = links.some((l) => l.attributes.some((a) => !(KNOWN_COLUMNS as readonly string[]).includes(a.name)));
  const header = ['RESOURCE', ...columns.map((c) => c.toUpperCase()), ...(hasOther ? ['OTHER'] : [])];
  const rows = links.map((link) => [
    cell(link.target),
    ...columns.map((c) => cell(values(link, c) ?? '')),
    ...(hasOther
      ? [
          cell(
            link.attributes
              .filter((a) => !(KNOWN_COLUMNS as readonly string[]).includes(a.name))
              .map((a) => (a.value === undefined ? a.name : `${a.name}=${a.value}`))
              .join(' '),
          ),
        ]
      : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Links as plain objects for `--json`: `{ href, rt: "...", obs: true, ... }` (repeated attributes as arrays). */
export function linksToJson(links: readonly Link[]): Array<Record<string, unknown>> {
  return links.map((link) => {
    const out: Record<string, unknown> = { href: link.target };
    for (const a of link.attributes) {
      const value: unknown = a.value ?? true;
      const prior = out[a.name];
      if (prior === undefined) out[a.name] = value;
      else out[a.name] = Array.isArray(prior) ? [...(prior as unknown[]), value] : [prior, value];
    }
    return out;
  });
}
