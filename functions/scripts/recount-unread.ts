/**
 * `npx tsx scripts/recount-unread.ts [uid ...]`: sets every user's (or the named users') notification unread counts to
 * what their unread notifications are (NotificationCenter.recountUnread, one transaction per user). Run it once after
 * deploying the per-category counts (issue 18): counters written before have no `byCategory`, and their totals may
 * have drifted while retention and TTL deleted unread notifications without them. Safe to rerun or interrupt: each
 * user's counts are recomputed from scratch.
 *
 * Firestore from Application Default Credentials or FIRESTORE_EMULATOR_HOST.
 */
import { getFirestore } from 'firebase-admin/firestore';
import { FirestoreDocumentStore } from '../src/adapters/firestore/firestoreDocumentStore.js';
import { systemClock } from '../src/adapters/clocks.js';
import { NotificationCenter } from '../src/app/notifications/notificationCenter.js';
import { adminApp } from '../src/composition/cloud.js';
import { paths } from '../src/domain/paths.js';

async function main() {
  const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
  const center = new NotificationCenter(store, systemClock);
  const named = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const uids = named.length > 0 ? named : await store.listIds(paths.users());
  let changed = 0;
  for (const uid of uids) {
    const counts = await center.recountUnread(uid);
    if (counts.before !== counts.unread) {
      changed += 1;
      console.log(`${uid}: unread ${counts.before} → ${counts.unread}`);
    }
  }
  console.log(`recounted ${uids.length} users; ${changed} totals corrected`);
}

main().catch((error: unknown) => {
  console.error(`✖ recount failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
