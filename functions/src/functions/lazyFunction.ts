/**
 * A Cloud Function that is built the first time anything touches it: a call, or a read of one of its properties
 * (`__endpoint` when the Firebase CLI discovers the surface, `run` in firebase-functions-test).
 *
 * Why: building a function loads its kind's provider from firebase-functions, and those are most of a cold start
 * (on Node 22 here, over bare node: `v2/https` with the Admin SDK's token verification ~190 ms, `v2/firestore` with
 * the Firestore protos ~150 ms, `v1` ~330 ms). A deployed instance serves one function (FUNCTION_TARGET) but imports
 * the whole deploy surface; with every export lazy, it loads only the provider of the function it serves. The
 * discovery still sees every function: it reads each export's `__endpoint`, which builds it.
 *
 * The value is a Proxy over a stand-in function, so `typeof` is 'function' before the build; calls and property
 * reads go to the built function. `build` must be synchronous and side-effect free apart from defining the function.
 */
export function lazyFunction<F extends object>(build: () => F): F {
  let built: F | undefined;
  const real = () => (built ??= build());
  const standIn = function lazyCloudFunction() {} as unknown as F;
  return new Proxy(standIn, {
    apply: (_target, thisArg, args: unknown[]) => Reflect.apply(real() as (...a: unknown[]) => unknown, thisArg, args),
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
    // Writes go to the built function too (a test's spy, a monkey-patch), so they read back.
    set: (_target, key, value) => Reflect.set(real(), key, value),
    defineProperty: (_target, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
    deleteProperty: (_target, key) => Reflect.deleteProperty(real(), key),
    ownKeys: () => [...new Set([...Reflect.ownKeys(real()), ...Reflect.ownKeys(standIn)])],
    getOwnPropertyDescriptor: (target, key) => {
      // A Proxy must report the stand-in's own non-configurable properties (a function's `prototype`) as they are.
      const own = Reflect.getOwnPropertyDescriptor(target, key);
      if (own && !own.configurable) return own;
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
