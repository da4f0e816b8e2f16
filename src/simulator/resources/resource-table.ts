// ResourceTable: a device's resources by path (exact, then longest prefix) and their links, built once per profile.
import type { Link } from '../../coap/index.js';
import type { Resource } from './resource.js';
import { toLink } from './well-known-core.js';

export class ResourceTable {
  private readonly exact = new Map<string, Resource>();
  private readonly prefixed: Resource[];
  readonly links: readonly Link[];

  constructor(readonly resources: readonly Resource[]) {
    for (const r of resources) {
      if (this.exact.has(r.path)) throw new Error(`duplicate resource path ${r.path}`);
      this.exact.set(r.path, r);
    }
    this.prefixed = resources.filter((r) => r.prefix === true).sort((a, b) => b.path.length - a.path.length);
    this.links = resources.flatMap((r) => (r.link === undefined ? [] : [toLink(r.path, r.link)]));
  }

  find(path: string): Resource | undefined {
    const hit = this.exact.get(path);
    if (hit !== undefined) return hit;
    for (const r of this.prefixed) if (path.startsWith(`${r.path}/`)) return r;
    return undefined;
  }
}
