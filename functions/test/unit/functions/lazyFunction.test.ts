import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lazyFunction } from '../../../src/functions/lazyFunction.js';

describe('lazyFunction: a Cloud Function built the first time it is touched', () => {
  function counted() {
    let builds = 0;
    const fn = lazyFunction(() => {
      builds++;
      return Object.assign((a: number, b: number) => a + b, {
        __endpoint: { platform: 'gcfv2' },
        run: (x: number) => x * 2,
      });
    });
    return { fn, builds: () => builds };
  }

  it('builds nothing until touched, then once', () => {
    const { fn, builds } = counted();
    expect(typeof fn).toBe('function');
    expect(builds()).toBe(0);
    expect(fn.__endpoint).toEqual({ platform: 'gcfv2' });
    expect(fn(2, 3)).toBe(5);
    expect(fn.run(4)).toBe(8);
    expect(builds()).toBe(1);
  });

  it('a call builds it and passes arguments and the answer through', () => {
    const { fn, builds } = counted();
    expect(fn(40, 2)).toBe(42);
    expect(builds()).toBe(1);
  });

  it('answers `in`, Object.keys and property descriptors as the built function does (what discovery reads)', () => {
    const { fn } = counted();
    expect('__endpoint' in fn).toBe(true);
    expect('missing' in fn).toBe(false);
    expect(Object.keys(fn)).toEqual(expect.arrayContaining(['__endpoint', 'run']));
    expect(Object.getOwnPropertyDescriptor(fn, 'run')?.value).toBeTypeOf('function');
  });

  it('writes reach the built function and read back', () => {
    const { fn } = counted();
    const patched = fn as unknown as Record<string, unknown>;
    patched.extra = 1;
    expect(patched.extra).toBe(1);
    Object.defineProperty(fn, 'described', { value: 2, configurable: true, enumerable: true });
    expect(patched.described).toBe(2);
    expect(delete patched.extra).toBe(true);
    expect('extra' in fn).toBe(false);
  });

  it('a build that throws throws at the touch, and again at the next', () => {
    const fn = lazyFunction((): (() => void) => {
      throw new Error('bad options');
    });
    expect(() => fn()).toThrow('bad options');
    expect(() => (fn as unknown as { __endpoint: unknown }).__endpoint).toThrow('bad options');
  });
});

describe('importing the deploy surface for one function loads only its kind of provider', () => {
  /** Which firebase-functions providers a fresh process has loaded after importing src/index.ts and touching `target`. */
  function providersLoaded(target: string): string[] {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const surface = await import('./src/index.ts');
      void surface[process.env.FUNCTION_TARGET].__endpoint;
      const loaded = Object.keys(require.cache).flatMap((f) => {
        const m = /firebase-functions\\/lib\\/(v1|v2\\/providers\\/[a-z]+)(\\/|\\.js)/.exec(f);
        return m ? [m[1]] : [];
      });
      console.log(JSON.stringify([...new Set(loaded)].sort()));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, FUNCTION_TARGET: target, K_SERVICE: target, GCLOUD_PROJECT: 'demo-craft-comms' },
      encoding: 'utf8',
    });
    return JSON.parse(out.trim().split('\n').pop()!) as string[];
  }

  it('a callable loads v2/https only; a Firestore trigger v2/firestore only; a Pub/Sub consumer v2/pubsub only', () => {
    expect(providersLoaded('sendMessage')).toEqual(['v2/providers/https']);
    expect(providersLoaded('onMessageCreated')).toEqual(['v2/providers/firestore']);
    expect(providersLoaded('notificationsFanout')).toEqual(['v2/providers/pubsub']);
  }, 60_000);
});
