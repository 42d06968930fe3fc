import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CallableFunction } from 'firebase-functions/v2/https';
import { callable } from '../../../src/functions/callable.js';
import { useServices } from '../../../src/functions/runtime.js';
import { call } from '../../support/callables.js';
import { bareWorld } from '../../support/world.js';

/** The SDK's own encoder for callable answers (what goes on the wire after the handler). */
const require = createRequire(__filename);
const { encode } = require(join(dirname(require.resolve('firebase-functions')), '../common/providers/https.js')) as {
  encode: (data: unknown) => unknown;
};

const at = new Date('2026-12-02T08:15:30.125Z');
class Money {
  constructor(readonly cents: number) {}
}

/** A callable answering Dates at every depth, next to values that must pass unchanged. */
const dated = callable(z.strictObject({}), async () => ({
  at,
  nested: { deeper: { at } },
  list: [at, { at }, [at]],
  keep: { text: '2026-12-02', n: 3, yes: true, nothing: null, missing: undefined, money: new Money(5) },
}));

describe('callable answers: Dates leave as ISO-8601 strings', () => {
  beforeEach(() => {
    bareWorld({ now: '2026-12-02T08:00:00Z', install: true });
  });
  afterAll(() => useServices(undefined));

  it('converts every Date, deep, and leaves other values alone', async () => {
    // A service identity needs no users/{uid} profile: the account guard lets it through.
    const answer = await call<Record<string, unknown>>(
      dated as CallableFunction<unknown, unknown>,
      {},
      {
        uid: 'svc',
        roles: ['service'],
      },
    );
    const iso = at.toISOString();
    expect(answer).toMatchObject({
      at: iso,
      nested: { deeper: { at: iso } },
      list: [iso, { at: iso }, [iso]],
      keep: { text: '2026-12-02', n: 3, yes: true, nothing: null },
    });
    expect((answer.keep as { money: unknown }).money).toBeInstanceOf(Money);
    // What the client receives: the protocol's encoder used to turn each Date into {}.
    const wire = encode(answer) as { at: unknown; list: unknown[] };
    expect(wire.at).toBe(iso);
    expect(wire.list[0]).toBe(iso);
    expect(encode({ at })).toEqual({ at: {} });
  });
});
