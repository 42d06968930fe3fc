import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import { MemoryObjectStorage } from '../../../src/adapters/memory/memoryObjectStorage.js';
import { services, useServices } from '../../../src/functions/runtime.js';
import { exportNotifications } from '../../../src/functions/compliance.js';
import { call } from '../../support/callables.js';
import type { TestWorld } from '../../support/world.js';
import { testWorld } from '../../support/world.js';

type Fn = CallableFunction<unknown, unknown>;

/**
 * A PDF export renders in the background (renderQueued) while the person it is about may be erased. Erasure marks an
 * export about her `erased` and deletes its objects; a render that finishes after that must not put the job back to
 * `done` with a download URL, nor leave its freshly written PDF in the bucket. Here erasure runs while the renderer
 * streams into storage, the window in which the render's final write used to win.
 */
class ErasingStorage extends MemoryObjectStorage {
  duringWrite: (() => Promise<void>) | undefined;
  /** The upload fails after the hook ran (a storage outage), so the export's failure path runs. */
  failWrite = false;
  override async write(path: string, contentType: string, source: Readable): Promise<{ bytes: number }> {
    const hook = this.duringWrite;
    this.duringWrite = undefined;
    if (hook) await hook();
    if (this.failWrite) throw new Error('storage unavailable');
    return super.write(path, contentType, source);
  }
}

describe('a PDF export rendered while its subject is erased', () => {
  let infra: TestWorld['infra'];
  let storage: ErasingStorage;

  beforeEach(async () => {
    storage = new ErasingStorage();
    ({ infra } = await testWorld({
      now: '2024-06-01T00:00:00Z',
      adapters: { exportStorage: storage },
      users: [
        { uid: 'alice', displayName: 'Alice Weaver', email: 'alice@example.com', emailVerified: true },
        { uid: 'staff', displayName: 'Compliance Officer' },
      ],
      install: true,
    }));
  });

  afterEach(() => useServices(undefined));

  it('stays erased: no done, no URL, no object left in the bucket', async () => {
    const { exportId } = await call<{ exportId: string }>(
      exportNotifications as Fn,
      { uid: 'alice', format: 'pdf' },
      { uid: 'staff', roles: ['compliance'] },
    );
    const s = await services();
    storage.duringWrite = async () => {
      await s.compliance.erasure.onAuthUserDeleted({ uid: 'alice' });
      expect((await infra.store.get(`exports/${exportId}`)).data?.status).toBe('erased');
    };

    expect(await s.compliance.exports.renderQueued(exportId)).toMatchObject({ status: 'skipped' });

    const job = (await infra.store.get(`exports/${exportId}`)).data!;
    expect(job.status).toBe('erased');
    expect(job.url).toBeUndefined();
    expect(job.path).toBeUndefined();
    expect([...storage.objects.keys()]).toEqual([]);
  });

  it('an upload that fails after erasure deleted the job does not bring the job back', async () => {
    const { exportId } = await call<{ exportId: string }>(
      exportNotifications as Fn,
      { uid: 'alice', format: 'pdf' },
      { uid: 'staff', roles: ['compliance'] },
    );
    const s = await services();
    storage.failWrite = true;
    storage.duringWrite = async () => {
      // What a retention sweep or an operator does to an erased job: it is gone.
      await infra.store.delete(`exports/${exportId}`);
    };

    expect(await s.compliance.exports.renderQueued(exportId)).toMatchObject({ status: 'failed' });
    expect((await infra.store.get(`exports/${exportId}`)).exists).toBe(false);
  });

  it('an upload that fails on a job still running marks it failed', async () => {
    const { exportId } = await call<{ exportId: string }>(
      exportNotifications as Fn,
      { uid: 'alice', format: 'pdf' },
      { uid: 'staff', roles: ['compliance'] },
    );
    storage.failWrite = true;
    expect(await (await services()).compliance.exports.renderQueued(exportId)).toMatchObject({ status: 'failed' });
    expect((await infra.store.get(`exports/${exportId}`)).data).toMatchObject({
      status: 'failed',
      error: 'storage unavailable',
    });
  });

  it('without an erasure the same render is done, with its object (the test can tell them apart)', async () => {
    const { exportId } = await call<{ exportId: string }>(
      exportNotifications as Fn,
      { uid: 'alice', format: 'pdf' },
      { uid: 'staff', roles: ['compliance'] },
    );
    expect(await (await services()).compliance.exports.renderQueued(exportId)).toEqual({ status: 'done' });
    const job = (await infra.store.get(`exports/${exportId}`)).data!;
    expect(job.status).toBe('done');
    expect([...storage.objects.keys()]).toEqual([job.path]);
  });
});
