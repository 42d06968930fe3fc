import { spawnSync } from 'node:child_process';
import { logger } from 'firebase-functions/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FunctionsLogger } from '../../../src/adapters/functionsLogger.js';

/**
 * What the SDK really writes (one JSON line per entry, on the console it captured when it loaded) for an error logged
 * through the adapter, from a fresh process so nothing in the test runner stands between them.
 */
function writtenEntry(): Record<string, unknown> {
  const script = [
    "import { FunctionsLogger } from './src/adapters/functionsLogger.ts';",
    "function throwSite() { return new Error('provider exploded'); }",
    "new FunctionsLogger({ eventId: 'e1' }).error('callable failed', { error: throwSite() });",
  ].join('\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const line = `${run.stdout}\n${run.stderr}`.split('\n').find((l) => l.includes('"severity":"ERROR"'));
  if (!line) throw new Error(`no ERROR entry written: ${run.stderr}`);
  return JSON.parse(line) as Record<string, unknown>;
}

function throwSite(): Error {
  return new Error('provider exploded');
}

describe('FunctionsLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('hands the Error itself to the SDK logger, with the context and fields as data', () => {
    const spy = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const error = Object.assign(throwSite(), { code: 'unavailable' });
    new FunctionsLogger({ eventId: 'e1' }).error('callable failed', { error, uid: 'u1' });
    expect(spy).toHaveBeenCalledTimes(1);
    const [message, passed, fields] = spy.mock.calls[0]!;
    expect(message).toBe('callable failed');
    expect(passed).toBe(error);
    expect(fields).toEqual({ eventId: 'e1', uid: 'u1', errorName: 'Error', errorCode: 'unavailable' });
  });

  it("the written entry's message carries the throw site's stack, not this adapter's", () => {
    const entry = writtenEntry();
    const message = String(entry.message);
    expect(message).toMatch(/^callable failed Error: provider exploded\n\s+at throwSite/);
    expect(message).not.toMatch(/functionsLogger\.ts/);
    expect(entry).toMatchObject({ eventId: 'e1', errorName: 'Error' });
    expect(entry).not.toHaveProperty('error');
  });

  it('without an Error, logs the fields as they are', () => {
    const spy = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    new FunctionsLogger({ eventId: 'e1' }).error('sweep failed', { error: 'timeout', count: 2 });
    expect(spy).toHaveBeenCalledWith('sweep failed', { eventId: 'e1', error: 'timeout', count: 2 });
  });
});
