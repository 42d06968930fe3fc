import { getFirestore } from 'firebase-admin/firestore';
import { describe, expect, it } from 'vitest';
import { FirestoreDocumentStore } from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { adminApp } from '../../../src/composition/cloud.js';
import { paths } from '../../../src/domain/paths.js';
import { callAs, eventually, useTriggerChains } from '../../support/fakes/emulatorChain.js';
import { pdfText } from '../../support/readers.js';
import { seedConversation, seedMessage, seedUser } from '../../support/world.js';

/**
 * A PDF export as deployed (Functions emulator, built lib/): the exportConversation callable records the job and
 * answers `queued` at once; the renderPdfExport trigger on `exports/{id}` renders it into storage (the sandbox's
 * object store here: no Storage emulator on this machine) and marks the job `done` with its download URL, which is
 * what a client listening to the job document waits for.
 */
const store = new FirestoreDocumentStore(() => getFirestore(adminApp()));
const run = `${process.pid}${Date.now().toString(36)}`;
const CHAIN_MS = 150_000;

describe('PDF exports off the request path (Functions emulator)', () => {
  useTriggerChains();

  it(
    'the callable answers queued; the trigger renders the transcript and the job says done with a working URL',
    async () => {
      const cid = `e2e-pdf-${run}`;
      const alice = `alice-${run}`;
      const bob = `bob-${run}`;
      await seedUser(store, { uid: alice, displayName: 'Alice Weaver', locale: 'de-DE', timeZone: 'Europe/Berlin' });
      await seedUser(store, { uid: bob, displayName: 'Bob Potter' });
      await seedConversation(store, cid, [alice, bob], { title: null });
      for (const [i, text] of ['Hallo Bob', 'Hi Alice, the indigo batch ships Friday'].entries())
        await seedMessage(store, cid, `m${i}`, {
          senderId: i % 2 ? bob : alice,
          text,
          createdAt: new Date(Date.UTC(2024, 4, 1, 9, i)),
        });

      const asked = Date.now();
      const answer = await callAs<{ exportId: string; status: string }>(alice, 'exportConversation', {
        conversationId: cid,
        format: 'pdf',
      });
      const answeredMs = Date.now() - asked;
      expect(answer).toEqual({ exportId: expect.any(String), status: 'queued' });

      const job = await eventually(
        'the PDF rendered by renderPdfExport',
        async () => (await store.get(paths.exportJob(answer.exportId))).data,
        (data) => data?.status === 'done' || data?.status === 'failed',
        CHAIN_MS,
      );
      expect(job).toMatchObject({ status: 'done', ownerUid: alice, format: 'pdf', url: expect.any(String) });
      console.log(
        `PDF export: callable answered in ${answeredMs} ms; rendered ${Number(job!.finishedAt instanceof Date ? job!.finishedAt.getTime() - asked : NaN)} ms after the call`,
      );
      const download = await fetch(String(job!.url));
      expect(download.status).toBe(200);
      const { text } = await pdfText(Buffer.from(await download.arrayBuffer()));
      const flat = text.replace(/\s+/g, ' ');
      expect(flat).toContain('Participants: Alice Weaver, Bob Potter');
      expect(flat).toContain('Alice Weaver · 01.05.2024, 11:00:00 MESZ · text');
      expect(flat).toContain('Page 1');
      expect(flat).not.toContain(cid);
    },
    CHAIN_MS,
  );
});
