import { getFirestore } from 'firebase-admin/firestore';
import { getStorage } from 'firebase-admin/storage';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { CloudStorageExports } from '../../../src/adapters/storage/cloudStorageExports.js';
import { MemoryLogger } from '../../../src/adapters/memory/memoryLogger.js';
import { systemClock } from '../../../src/adapters/clocks.js';
import { AuditLog } from '../../../src/app/audit.js';
import type { ExportAnswer, ExportResult } from '../../../src/app/compliance/exports.js';
import { Exports } from '../../../src/app/compliance/exports.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { parseCsv, pdfText } from '../../support/readers.js';
import { seedConversation, seedMessage, seedUser } from '../../support/world.js';
import { storageSkipReason } from '../rules/rulesEnv.js';

/**
 * Exports against the Firestore and Storage emulators (`npm run test:emulators`): the same use case as in the unit
 * tier, on the Firestore DocumentStore and the Cloud Storage adapter through firebase-admin. The Storage emulator
 * cannot sign URLs, so the test signs with a plain emulator download URL.
 */
const PROJECT = process.env.GCLOUD_PROJECT ?? 'demo-craft-comms';
const BUCKET = `${PROJECT}.appspot.com`;
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const storage = new CloudStorageExports({
  app: adminApp,
  bucket: () => BUCKET,
  sign: async (file, expiresAt) =>
    `http://${process.env.FIREBASE_STORAGE_EMULATOR_HOST}/v0/b/${file.bucket}/o/${encodeURIComponent(file.name)}?alt=media&expires=${expiresAt.getTime()}`,
});
const exports = new Exports(store, storage, new AuditLog(store, systemClock), systemClock, new MemoryLogger());
const run = `${process.pid}-${Date.now()}`;
/** JSON and CSV are answered done by the call itself. */
const done = (answer: ExportAnswer): ExportResult => {
  if (answer.status !== 'done') throw new Error(`expected a finished export, got ${answer.status}`);
  return answer;
};
const download = async (path: string) => (await getStorage(adminApp()).bucket(BUCKET).file(path).download())[0];

if (storageSkipReason) console.warn(`exports on Storage skipped: ${storageSkipReason}`);

describe.skipIf(storageSkipReason)('exports on the Firestore and Storage emulators', () => {
  const cid = `exp-${run}`;
  const alice = `alice-${run}`;
  const bob = `bob-${run}`;
  const texts = ['Commas, and "quotes"', 'Two\nlines', 'Emoji 🧶 café'];

  it('writes JSON, CSV and PDF objects that parse back, and tracks the job in exports/{id}', async () => {
    await seedUser(store, { uid: alice, displayName: 'Alice Weaver' });
    await seedUser(store, { uid: bob, displayName: 'Bob Potter' });
    await seedConversation(store, cid, [alice, bob], { title: 'Emulator export' });
    for (const [i, text] of texts.entries())
      await seedMessage(store, cid, `m${i}`, {
        senderId: i % 2 ? bob : alice,
        text,
        createdAt: new Date(Date.UTC(2024, 4, 1 + i)),
      });
    const caller = { uid: alice, roles: new Set<never>() };

    const json = done(await exports.exportConversation(caller, { conversationId: cid, format: 'json' }));
    expect(
      JSON.parse((await download(json.path)).toString('utf8')).messages.map((m: { text: string }) => m.text),
    ).toEqual(texts);
    const job = await store.get(paths.exportJob(json.exportId));
    expect(job.data).toMatchObject({ ownerUid: alice, status: 'done', path: json.path, bytes: json.bytes });

    const csv = done(await exports.exportConversation(caller, { conversationId: cid, format: 'csv' }));
    expect(parseCsv(await download(csv.path)).map((r) => r.text)).toEqual(texts);

    // A PDF is queued, then rendered by the background function's use case (run twice: rendered once).
    const queued = await exports.exportConversation(caller, { conversationId: cid, format: 'pdf' });
    expect(queued.status).toBe('queued');
    expect(await exports.renderQueued(queued.exportId)).toEqual({ status: 'done' });
    expect(await exports.renderQueued(queued.exportId)).toEqual({ status: 'skipped' });
    const pdf = (await store.get(paths.exportJob(queued.exportId))).data as { path: string; status: string };
    expect(pdf.status).toBe('done');
    const { text } = await pdfText(await download(pdf.path));
    expect(text).toContain('Alice Weaver');
    expect(text).toContain('Commas, and "quotes"');

    const [metadata] = await getStorage(adminApp()).bucket(BUCKET).file(pdf.path).getMetadata();
    expect(metadata.contentType).toBe('application/pdf');
    expect(await storage.deletePrefix(`exports/${alice}/`)).toBe(3);
  });
});
