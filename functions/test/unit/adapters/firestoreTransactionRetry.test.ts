import { Firestore } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import {
  abortedIfClosed,
  FirestoreDocumentStore,
  isClosedTransaction,
} from '../../../src/adapters/firestore/firestoreDocumentStore.js';
import { AppError } from '../../../src/domain/errors.js';

/**
 * What the Firestore adapter retries inside a transaction (issue 14). The emulator answers a read on a transaction it
 * has already ended with `3 INVALID_ARGUMENT: Transaction is invalid or closed.` (measured in
 * test/emulator/messaging/unreadCounters.emulator.test.ts, where this made onMessageCreated fail outright); the SDK
 * retries INVALID_ARGUMENT only for "transaction has expired". The errors below have the shape @grpc/grpc-js gives
 * them (callErrorFromStatus): an Error whose message is "<code> <NAME>: <details>", with `code` and `details`.
 */
const grpcError = (code: number, name: string, details: string) =>
  Object.assign(new Error(`${code} ${name}: ${details}`), { code, details, metadata: {} });

const closed = () => grpcError(3, 'INVALID_ARGUMENT', 'Transaction is invalid or closed.');

describe('Firestore adapter: which transaction errors are retried', () => {
  it('a read on a transaction the server closed is an abort; other refusals are not', async () => {
    expect(isClosedTransaction(closed())).toBe(true);
    const refusals = [
      grpcError(3, 'INVALID_ARGUMENT', 'order by clause cannot contain more fields after the key'),
      // The SDK retries this one itself; it needs no rewriting.
      grpcError(3, 'INVALID_ARGUMENT', 'The referenced transaction has expired or is no longer valid.'),
      grpcError(10, 'ABORTED', 'Transaction lock timeout.'),
      grpcError(9, 'FAILED_PRECONDITION', 'Transaction is invalid or closed.'),
      new Error('Transaction is invalid or closed.'),
      new AppError('invalid-argument', 'Transaction is invalid or closed.'),
    ];
    for (const error of refusals) expect(isClosedTransaction(error), error.message).toBe(false);

    const rewritten = await abortedIfClosed(() => Promise.reject(closed())).catch((e: unknown) => e);
    expect(rewritten).toMatchObject({ code: 10 });
    expect((rewritten as Error).message).toContain('Transaction is invalid or closed.');
    for (const error of refusals) {
      await expect(abortedIfClosed(() => Promise.reject(error))).rejects.toBe(error);
    }
    await expect(abortedIfClosed(() => Promise.resolve('read'))).resolves.toBe('read');
  });

  // The real SDK's runTransaction, with attempts that neither read nor write, so nothing goes over the network (an
  // attempt without reads starts no transaction, and an empty one commits nothing): what decides a retry here is the
  // SDK's own classification of the error the adapter hands it.
  const store = () => new FirestoreDocumentStore(() => new Firestore({ projectId: 'demo-unit-no-network' }));

  it('the SDK runs the whole function again after a closed-transaction read, within the same attempts', async () => {
    let attempts = 0;
    const result = await store().transaction(async () => {
      attempts++;
      if (attempts === 1) await abortedIfClosed(() => Promise.reject(closed()));
      return `attempt ${attempts}`;
    });
    expect(result).toBe('attempt 2');
    expect(attempts).toBe(2);
  }, 15_000);

  it('a refused read is not retried and surfaces as invalid-argument', async () => {
    let attempts = 0;
    const error = await store()
      .transaction(async () => {
        attempts++;
        await abortedIfClosed(() =>
          Promise.reject(
            grpcError(3, 'INVALID_ARGUMENT', 'inequality filter property and first sort order must match'),
          ),
        );
      })
      .catch((e: unknown) => e);
    expect(attempts).toBe(1);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid-argument');
  });
});
