// SharedValues: one copy of what many sessions repeat (account, token id, permissions), so a session costs its own fields only.

/** Distinct values remembered; beyond it the table starts over (sessions keep the copies they hold). */
const DEFAULT_LIMIT = 4096;

/** Freezes a parsed JSON value in depth: a shared object must never change under another session. */
function deepFreeze(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

/**
 * Interns by content: ten thousand logins with one token hold one account string, one token id and
 * one permissions object (which the gateway then compiles once), not ten thousand copies of each.
 * Bounded: a flood of distinct values only restarts the table, it never grows past `limit`.
 */
export class SharedValues {
  private readonly strings = new Map<string, string>();
  private readonly values = new Map<string, unknown>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** The first string equal to `s` seen (V8 strings from separate JSON parses are separate copies). */
  string(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size >= this.limit) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }

  /** One frozen value per JSON text (a copy: the caller's object is left alone). */
  value(json: string): unknown {
    if (this.values.has(json)) return this.values.get(json);
    if (this.values.size >= this.limit) this.values.clear();
    const frozen = deepFreeze(JSON.parse(json));
    this.values.set(json, frozen);
    return frozen;
  }
}
