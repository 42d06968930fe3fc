import type { Channel } from '../../domain/channels.js';
import type { Category } from '../../domain/channels.js';
import { paths } from '../../domain/paths.js';
import type { NotificationType } from '../../domain/notifications/plans.js';
import {
  channelPatch,
  effectivePreferences,
  mergePatch,
  preferencesPatchSchema,
} from '../../domain/notifications/preferences.js';
import type { EffectivePreferences, PreferencesPatch } from '../../domain/notifications/preferences.js';
import type { Clock, DocSnapshot, DocumentStore } from '../../ports.js';
import type { AuditLog } from '../audit.js';

/**
 * users/{uid}/settings/notifications. Stores only what the user changed (a patch over the defaults) and reads it back
 * as effective preferences. Every change is a transaction that also writes the audit entry, and takes effect for
 * the very next event (routing reads the document for every event; there is no cache).
 */
export class PreferencesRepo {
  constructor(
    private readonly store: DocumentStore,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async get(uid: string): Promise<EffectivePreferences> {
    return effectivePreferences(storedPatch(await this.store.get(paths.preferences(uid))));
  }

  /** Effective preferences for many users in one read (a fan-out chunk). */
  async getMany(uids: readonly string[]): Promise<Map<string, EffectivePreferences>> {
    const snaps = await this.store.getAll(uids.map((uid) => paths.preferences(uid)));
    return new Map(uids.map((uid, i) => [uid, effectivePreferences(storedPatch(snaps[i]!))]));
  }

  /** Merges `patch` (already validated against preferencesPatchSchema) into what the user set before. */
  async update(uid: string, patch: PreferencesPatch, actorUid: string = uid): Promise<EffectivePreferences> {
    return this.write(uid, actorUid, 'notifications.preferences.update', patch, (stored) => mergePatch(stored, patch));
  }

  async reset(uid: string, actorUid: string = uid): Promise<EffectivePreferences> {
    return this.write(uid, actorUid, 'notifications.preferences.reset', {}, () => ({}));
  }

  /** One channel on or off for a category or a type (email unsubscribe links use this). */
  async setChannel(
    uid: string,
    target: Category | NotificationType,
    channel: Channel,
    enabled: boolean,
    actorUid: string = uid,
  ): Promise<EffectivePreferences> {
    const patch = channelPatch(target, channel, enabled);
    return this.write(uid, actorUid, 'notifications.preferences.setChannel', { target, channel, enabled }, (stored) =>
      mergePatch(stored, patch),
    );
  }

  private async write(
    uid: string,
    actorUid: string,
    action: string,
    details: Record<string, unknown>,
    next: (stored: PreferencesPatch | undefined) => PreferencesPatch,
  ): Promise<EffectivePreferences> {
    return this.store.transaction(async (tx) => {
      const stored = storedPatch(await tx.get(paths.preferences(uid)));
      const updated = next(stored);
      tx.set(paths.preferences(uid), { ...updated, updatedAt: this.clock.now() });
      this.audit.recordIn(tx, { actorUid, action, target: { type: 'user', id: uid }, details: { change: details } });
      return effectivePreferences(updated);
    });
  }
}

/** Effective preferences from an already-read users/{uid}/settings/notifications snapshot (a fan-out chunk's getAll). */
export const preferencesFromSnapshot = (snap: DocSnapshot): EffectivePreferences =>
  effectivePreferences(storedPatch(snap));

/** The stored patch; a document that no longer parses (an older shape) counts as defaults rather than failing routing. */
function storedPatch(snap: DocSnapshot): PreferencesPatch | undefined {
  if (!snap.data) return undefined;
  const { updatedAt: _updatedAt, ...rest } = snap.data;
  const parsed = preferencesPatchSchema.safeParse(rest);
  return parsed.success ? parsed.data : undefined;
}
