import type { DocData, DocSnapshot, DocumentStore, Logger } from '../../ports.js';
import { DocNotFoundError } from '../../domain/errors.js';
import { paths } from '../../domain/paths.js';
import type { PublicProfile } from '../../domain/messaging/conversation.js';
import { publicProfileOf } from '../../domain/messaging/conversation.js';

/** Firestore batches hold at most 500 writes. */
const BATCH = 450;

const sameProfile = (a: PublicProfile, b: PublicProfile) =>
  a.displayName === b.displayName && a.photoUrl === b.photoUrl;

/**
 * Keeps the public profile copied onto a user's member documents (displayName, photoUrl) in step with users/{uid},
 * from the profile-updated trigger. It copies the profile as stored now, not the event's, so runs out of order or
 * twice end on the current name; member documents already current are not written again.
 */
export class MemberProfiles {
  constructor(private readonly deps: { store: DocumentStore; logger: Logger }) {}

  /** Called with the event's before/after profile: anything but a change of the public fields is ignored. */
  async onProfileUpdated(
    uid: string,
    before: DocData | undefined,
    after: DocData | undefined,
  ): Promise<{ updated: number }> {
    if (sameProfile(publicProfileOf(before), publicProfileOf(after))) return { updated: 0 };
    return this.sync(uid);
  }

  async sync(uid: string): Promise<{ updated: number }> {
    const user = await this.deps.store.get(paths.user(uid));
    // An erased user's member documents went with the profile; there is nothing to copy any more.
    if (!user.exists) return { updated: 0 };
    const profile = publicProfileOf(user.data);
    const members = await this.deps.store.queryGroup('members', { where: [['uid', '==', uid]] });
    const stale = members.filter((m) => !sameProfile(publicProfileOf(m.data), profile));
    let updated = 0;
    for (let i = 0; i < stale.length; i += BATCH) updated += await this.write(stale.slice(i, i + BATCH), profile);
    this.deps.logger.child({ uid }).info('member profiles synced', { memberships: members.length, updated });
    return { updated };
  }

  /** One batch; if a membership ended meanwhile (the batch fails on it), the rest are written one by one. */
  private async write(docs: readonly DocSnapshot[], profile: PublicProfile): Promise<number> {
    const data = { displayName: profile.displayName, photoUrl: profile.photoUrl };
    try {
      await this.deps.store.commit(docs.map((d) => ({ kind: 'update' as const, path: d.path, data })));
      return docs.length;
    } catch (error) {
      if (!(error instanceof DocNotFoundError)) throw error;
    }
    let written = 0;
    for (const d of docs) {
      try {
        await this.deps.store.update(d.path, data);
        written++;
      } catch (error) {
        if (!(error instanceof DocNotFoundError)) throw error;
      }
    }
    return written;
  }
}
