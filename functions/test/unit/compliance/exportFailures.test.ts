import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import { MemoryObjectStorage } from '../../../src/adapters/memory/memoryObjectStorage.js';
import { services, useServices } from '../../../src/functions/runtime.js';
import { exportConversation, exportMyData } from '../../../src/functions/compliance.js';
import { paths } from '../../../src/domain/paths.js';
import type { QuerySpec, WriteOp } from '../../../src/ports.js';
import { call } from '../../support/callables.js';
import type { TestWorld } from '../../support/world.js';
import { seedConversation, testWorld } from '../../support/world.js';

type Fn = CallableFunction<unknown, unknown>;

/**
 * Storage that keeps whatever bytes reached it even when the upload fails, as a resumable upload's committed chunks or
 * the sandbox's half-written file do. Only an exporter that deletes its own partial object leaves nothing here.
 */
class LeakyStorage extends MemoryObjectStorage {
  override async write(path: string, contentType: string, source: Readable): Promise<{ bytes: number }> {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        done();
      },
    });
    try {
      await pipeline(source, sink);
    } finally {
      this.objects.set(path, { contentType, bytes: Buffer.concat(chunks) });
      this.sizes.set(path, Buffer.concat(chunks).length);
    }
    return { bytes: this.sizes.get(path)! };
  }
}

describe('an export that fails midway', () => {
  let infra: TestWorld['infra'];
  let storage: LeakyStorage;

  beforeEach(async () => {
    storage = new LeakyStorage();
    ({ infra } = await testWorld({
      now: '2024-06-01T00:00:00Z',
      adapters: { exportStorage: storage },
      users: [
        { uid: 'alice', displayName: 'Alice Weaver', email: 'alice@example.com', emailVerified: true },
        { uid: 'bob', displayName: 'Bob Potter' },
      ],
      install: true,
    }));
    await seedConversation(infra.store, 'c1', ['alice', 'bob']);
    // Two pages of messages (the exporter reads 500 at a time), so a failure can strike after the first page is out.
    const ops: WriteOp[] = Array.from({ length: 700 }, (_, i) => ({
      kind: 'set',
      path: paths.message('c1', `m${String(i).padStart(4, '0')}`),
      data: {
        senderId: i % 2 ? 'bob' : 'alice',
        type: 'text',
        text: `message ${i}`,
        clientMessageId: `c${i}`,
        createdAt: new Date(Date.UTC(2024, 4, 1, 0, 0, i)),
      },
    }));
    for (let i = 0; i < ops.length; i += 400) await infra.store.commit(ops.slice(i, i + 400));
  });

  afterEach(() => useServices(undefined));

  /** The store answers the first page of messages, then fails (a Firestore deadline, a lost connection). */
  function failSecondMessagesPage() {
    const query = infra.store.query.bind(infra.store);
    let pages = 0;
    infra.store.query = async (collection: string, spec?: QuerySpec) => {
      if (collection === paths.messages('c1') && ++pages === 2) throw new Error('DEADLINE_EXCEEDED: read timed out');
      return query(collection, spec);
    };
  }

  const jobs = () => Object.entries(infra.store.dump()).filter(([path]) => path.startsWith('exports/'));

  for (const format of ['json', 'csv', 'pdf'] as const) {
    it(`${format}: the job is failed with the reason, and no partial object is left to serve`, async () => {
      failSecondMessagesPage();
      if (format === 'pdf') {
        // Queued by the callable; the background renderer records the failure on the job (the client watches it).
        const { exportId } = await call<{ exportId: string }>(
          exportConversation as Fn,
          { conversationId: 'c1', format },
          { uid: 'alice' },
        );
        expect(await (await services()).compliance.exports.renderQueued(exportId)).toMatchObject({
          status: 'failed',
          reason: expect.stringContaining('DEADLINE_EXCEEDED'),
        });
      } else
        await expect(
          call(exportConversation as Fn, { conversationId: 'c1', format }, { uid: 'alice' }),
        ).rejects.toMatchObject({ code: expect.any(String) });
      const [[, job]] = jobs() as [[string, Record<string, unknown>]];
      expect(job).toMatchObject({ status: 'failed', error: expect.stringContaining('DEADLINE_EXCEEDED') });
      expect(job.url).toBeUndefined();
      expect([...storage.objects.keys()]).toEqual([]);
    });
  }

  it('zip (GDPR export): a failure in a later file leaves no archive and a failed job', async () => {
    const query = infra.store.query.bind(infra.store);
    infra.store.query = async (collection: string, spec?: QuerySpec) => {
      if (collection === paths.conversations()) throw new Error('UNAVAILABLE: conversations');
      return query(collection, spec);
    };
    await expect(call(exportMyData as Fn, {}, { uid: 'alice' })).rejects.toBeDefined();
    expect(jobs().map(([, job]) => job.status)).toEqual(['failed']);
    expect([...storage.objects.keys()]).toEqual([]);
  });

  it('a failure after the upload (the signed URL, the job update) still leaves no object and no job marked done', async () => {
    storage.signedUrl = async () => {
      throw new Error('iam.serviceAccounts.signBlob denied');
    };
    await expect(
      call(exportConversation as Fn, { conversationId: 'c1', format: 'json' }, { uid: 'alice' }),
    ).rejects.toBeDefined();
    expect(jobs().map(([, job]) => [job.status, job.error])).toEqual([['failed', expect.stringContaining('signBlob')]]);
    expect([...storage.objects.keys()]).toEqual([]);
  });
});
