/**
 * What erasure removes and how it pseudonymises what must be kept (messages in conversations with others stay for
 * disputes and financial records, but no longer say who the sender was).
 */
import { DELETED_USER_NAME } from '../search/record.js';

export { DELETED_USER_NAME };
export const REDACTED = '[redacted]';

/** Subcollections of users/{uid} that hold only that user's personal data: deleted outright. */
export const PERSONAL_SUBCOLLECTIONS = ['devices', 'keys', 'settings', 'notifications', 'counters', 'blocks'] as const;

export interface Identifiers {
  name?: string;
  email?: string;
  phone?: string;
}

export function identifiersOf(profile: Record<string, unknown> | undefined): Identifiers {
  const pick = (key: string) => (typeof profile?.[key] === 'string' && (profile[key] as string).length > 0 ? (profile[key] as string) : undefined);
  const name = pick('displayName');
  const email = pick('email');
  const phone = pick('phone');
  return { ...(name ? { name } : {}), ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces the person's email and phone anywhere in a string, and their name where it stands as a whole word. */
export function scrubText(text: string, ids: Identifiers): string {
  let out = text;
  if (ids.email) out = out.replace(new RegExp(escape(ids.email), 'gi'), REDACTED);
  if (ids.phone) out = out.replace(new RegExp(escape(ids.phone), 'g'), REDACTED);
  if (ids.name) out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escape(ids.name)}(?![\\p{L}\\p{N}])`, 'giu'), DELETED_USER_NAME);
  return out;
}

/**
 * Every string field (nested too) that mentions the person, scrubbed. Returns only the changed top-level fields, so
 * the caller writes a minimal update, or undefined when nothing mentions them.
 */
export function scrubDocument(data: Record<string, unknown>, ids: Identifiers): Record<string, unknown> | undefined {
  if (!ids.name && !ids.email && !ids.phone) return undefined;
  const changed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const next = scrubValue(value, ids);
    if (next !== value) changed[key] = next;
  }
  return Object.keys(changed).length > 0 ? changed : undefined;
}

function scrubValue(value: unknown, ids: Identifiers): unknown {
  if (typeof value === 'string') {
    const next = scrubText(value, ids);
    return next === value ? value : next;
  }
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const next = value.map((v) => scrubValue(v, ids));
    return next.some((v, i) => v !== value[i]) ? next : value;
  }
  let changed = false;
  const next: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    next[k] = scrubValue(v, ids);
    if (next[k] !== v) changed = true;
  }
  return changed ? next : value;
}
