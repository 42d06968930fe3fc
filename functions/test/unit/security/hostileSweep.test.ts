/**
 * Every callable on the deploy surface, fed input nobody should send: it answers UNAUTHENTICATED without a token,
 * and with one (any role) a clear error code — never INTERNAL, which would mean the input reached code that did not
 * expect it. New callables join the sweep by being exported from src/index.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallableFunction } from 'firebase-functions/v2/https';
import * as surface from '../../../src/index.js';
import type { Role } from '../../../src/domain/caller.js';
import { useServices } from '../../../src/functions/runtime.js';
import { call, type AsUser } from '../../support/callables.js';
import { testWorld } from '../../support/world.js';

type Callable = CallableFunction<unknown, unknown>;
const callables = Object.entries(surface)
  .filter(([, fn]) => Boolean((fn as { __endpoint?: { callableTrigger?: object } }).__endpoint?.callableTrigger))
  .map(([name, fn]) => [name, fn as Callable] as const);

/** Each callable's declared input (docs/api.json, generated from the zod schemas): the fields to send bad values to. */
const api = JSON.parse(readFileSync(resolve(__dirname, '../../../../docs/api.json'), 'utf8')) as {
  callables: Array<{ name: string; input?: unknown }>;
};
/** Each property any level of `schema` declares, with the JSON types it takes ('string', 'number', …). */
function properties(schema: unknown, into = new Map<string, Set<string>>()): Map<string, Set<string>> {
  if (Array.isArray(schema)) schema.forEach((s) => properties(s, into));
  else if (schema && typeof schema === 'object') {
    const declared = (schema as { properties?: Record<string, unknown> }).properties ?? {};
    for (const [name, field] of Object.entries(declared)) {
      const types = into.get(name) ?? new Set<string>();
      const { type, anyOf = [] } = field as { type?: string; anyOf?: Array<{ type?: string }> };
      for (const t of [type, ...anyOf.map((a) => a.type)]) if (t) types.add(t === 'integer' ? 'number' : t);
      into.set(name, types);
    }
    Object.values(schema).forEach((v) => properties(v, into));
  }
  return into;
}
const inputOf = (name: string) => properties(api.callables.find((c) => c.name === name)?.input);
const fieldsOf = (name: string) => [...inputOf(name).keys()];

const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });

/** Whole inputs of the wrong shape. */
const SHAPES: ReadonlyArray<readonly [string, unknown]> = [
  ['nothing', undefined],
  ['null', null],
  ['a number', 42],
  ['a string', 'x'],
  ['an array', [1, 2]],
  ['an empty object', {}],
  ['__proto__ key', JSON.parse('{"__proto__": {"admin": true}, "constructor": {"prototype": {}}}')],
  ['deep nesting', nested(200)],
];

/**
 * Values of the wrong kind for any one field. Sent one field at a time as well as in every field at once: zod stops
 * at some issues (a wrong type) and not at others (a failed format), so a refinement over the whole object may see
 * raw input only when the other fields are fine or absent.
 */
const VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ['a path', '../../users/x'],
  ['a slash', 'a/b'],
  ['a huge string', 'x'.repeat(200_000)],
  ['an array', ['a']],
  ['an object', { nested: true }],
  ['a negative number', -1],
  ['NaN', Number.NaN],
  ['an impossible date', '2026-02-30T25:61:00Z'],
  ['bidi and control characters', '\u202e\u0000\r\nx'],
  ['a javascript: link', 'javascript:alert(1)'],
  ['null', null],
  ['true', true],
];

function hostileInputs(name: string): Array<readonly [string, unknown]> {
  const input = inputOf(name);
  const fields = [...input.keys()];
  const inputs: Array<readonly [string, unknown]> = [...SHAPES];
  for (const [valueName, value] of VALUES) {
    inputs.push([`every field ${valueName}`, Object.fromEntries(fields.map((f) => [f, value]))]);
    // Only the fields whose type the value has: no type error to stop zod before a refinement sees the values.
    const sameType = fields.filter((f) => input.get(f)!.has(typeof value));
    inputs.push([`every ${typeof value} field ${valueName}`, Object.fromEntries(sameType.map((f) => [f, value]))]);
    for (const field of fields) inputs.push([`${field}: ${valueName}`, { [field]: value }]);
  }
  return inputs;
}

const CALLERS: ReadonlyArray<readonly [string, Role[]]> = [
  ['a user', []],
  ['an admin', ['admin', 'compliance', 'service']],
];

// A fresh world for each test: a callable that succeeds on some input (deleteMyAccount with `{}`) must not leave the
// next callable facing a deleted account, which the account guard refuses before the input is even read.
beforeEach(async () => {
  await testWorld({ now: '2026-06-10T14:00:00Z', users: ['u1', 'u2'], install: true });
});
afterAll(() => useServices(undefined));

describe('hostile input to every callable', () => {
  it('finds the callables on the deploy surface and the fields their inputs declare', () => {
    expect(callables.length).toBeGreaterThan(40);
    expect(fieldsOf('searchMessages')).toEqual(expect.arrayContaining(['query', 'from', 'to']));
    expect(fieldsOf('defineExperiment')).toContain('variants');
  });

  it.each(callables)('%s: UNAUTHENTICATED without a token', async (_name, fn) => {
    await expect(call(fn, { conversationId: 'c1' })).rejects.toMatchObject({ code: 'unauthenticated' });
  });

  it.each(callables)('%s: never INTERNAL, whoever calls with whatever', async (name, fn) => {
    const internal: string[] = [];
    for (const [callerName, roles] of CALLERS) {
      const user: AsUser = { uid: 'u1', roles };
      for (const [inputName, data] of hostileInputs(name)) {
        const outcome = await call(fn, data, user).then(
          () => 'ok',
          (error: { code?: string; message?: string }) => error.code ?? `no code: ${String(error)}`,
        );
        if (outcome === 'internal' || outcome.startsWith('no code')) internal.push(`${callerName}, ${inputName}`);
      }
    }
    expect(internal, `${name} answered INTERNAL for`).toEqual([]);
  });
});

describe('a refinement over the whole input never sees a field that failed its own check', () => {
  // zod runs an object's refinements when its fields failed only a format check: `from.getTime()` met a string.
  it.each([
    ['exportConversation', { conversationId: 'c1', format: 'json' }],
    ['exportNotifications', { format: 'csv' }],
    ['searchMessages', { query: 'walnut' }],
  ])('%s with an impossible from and to: INVALID_ARGUMENT naming data.from', async (name, valid) => {
    const fn = callables.find(([n]) => n === name)![1];
    const bad = '2026-02-30T10:00:00Z';
    const error = await call(fn, { ...valid, from: bad, to: bad }, { uid: 'u1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect((error as Error).message).toMatch(/data\.from.*ISO 8601/);
  });
});
