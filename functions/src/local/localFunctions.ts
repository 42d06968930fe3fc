import type { Clock, DocData } from '../ports.js';
import type { MemoryPublisher } from '../adapters/memory/memoryPublisher.js';
import type { ObservedStore } from './observedStore.js';
import { errorText } from '../domain/errors.js';

/**
 * The deploy surface (src/index.ts), run in-process the way the emulator suite runs it: callables are invoked through
 * their real wrappers (auth, zod validation, error mapping), Firestore triggers fire for the documents the functions
 * wrote (found from each function's own endpoint description, so new triggers need no wiring here), Pub/Sub goes
 * through the in-memory bus, and scheduled functions run when the scenario moves the clock.
 */

interface Endpoint {
  eventTrigger?: {
    eventType: string;
    eventFilters?: Record<string, string>;
    eventFilterPathPatterns?: { document?: string };
  };
  scheduleTrigger?: { schedule: string };
  callableTrigger?: object;
}
interface DeployedFunction {
  __endpoint: Endpoint;
  run: (input: unknown) => unknown;
}

type ChangeKind = 'created' | 'updated' | 'deleted';

interface FirestoreTrigger {
  name: string;
  pattern: string[];
  /** created | updated | deleted | written */
  on: string;
  run: (event: unknown) => unknown;
}

export interface TriggerRun {
  name: string;
  path: string;
  change: ChangeKind;
  ms: number;
  error?: string;
}

export interface Identity {
  uid: string;
  /** Custom claims on the ID token, e.g. `{ compliance: true }`. */
  claims?: Record<string, unknown>;
}

const isDeployed = (value: unknown): value is DeployedFunction =>
  typeof value === 'function' &&
  typeof (value as Partial<DeployedFunction>).run === 'function' &&
  '__endpoint' in value;

export class LocalFunctions {
  readonly triggerRuns: TriggerRun[] = [];
  readonly busErrors: string[] = [];
  private readonly triggers: FirestoreTrigger[] = [];
  private readonly schedules = new Map<string, DeployedFunction>();
  private readonly callables = new Map<string, DeployedFunction>();
  /** The last state each trigger saw of each document: the `before` of the next change. */
  private readonly seen = new Map<string, DocData>();
  private eventCounter = 0;

  constructor(
    private readonly store: ObservedStore,
    private readonly publisher: MemoryPublisher,
    private readonly clock: Clock,
    deployed: Record<string, unknown>,
  ) {
    for (const [name, fn] of Object.entries(deployed)) {
      if (!isDeployed(fn)) continue;
      const endpoint = endpointOf(fn);
      if (!endpoint) continue;
      const document = endpoint.eventTrigger?.eventFilterPathPatterns?.document;
      if (
        endpoint.eventTrigger &&
        document &&
        endpoint.eventTrigger.eventType.startsWith('google.cloud.firestore.document.v1.')
      ) {
        const on = endpoint.eventTrigger.eventType.split('.').at(-1)!;
        this.triggers.push({ name, pattern: document.split('/'), on, run: fn.run });
      } else if (endpoint.scheduleTrigger) {
        this.schedules.set(name, fn);
      } else if (endpoint.callableTrigger) {
        this.callables.set(name, fn);
      }
    }
  }

  get triggerNames(): string[] {
    return this.triggers.map((t) => t.name);
  }
  get scheduleNames(): string[] {
    return [...this.schedules.keys()];
  }
  hasCallable(name: string): boolean {
    return this.callables.has(name);
  }

  /** Calls a callable as `who` (signed in, with their claims); rejects with the HttpsError the client would get. */
  async call<R = unknown>(name: string, data: unknown, who: Identity): Promise<R> {
    const fn = this.callables.get(name);
    if (!fn) throw new Error(`no callable ${name} in the deploy surface`);
    const result = await fn.run({
      data,
      auth: { uid: who.uid, token: { uid: who.uid, ...who.claims } },
      rawRequest: { headers: {} },
      acceptsStreaming: false,
    });
    await this.settle();
    return result as R;
  }

  /** Runs the scheduled functions (all, or the named ones) as Cloud Scheduler would at the current clock time. */
  async runSchedules(names: readonly string[] = this.scheduleNames): Promise<void> {
    for (const name of names) {
      const fn = this.schedules.get(name);
      if (!fn) throw new Error(`no scheduled function ${name}`);
      await fn.run({ scheduleTime: this.clock.now().toISOString(), jobName: name });
    }
    await this.settle();
  }

  /**
   * Fires triggers for what was written and delivers queued Pub/Sub messages, round after round, until nothing
   * more happens (a trigger's writes fire further triggers, a handler's publishes reach further handlers).
   */
  async settle(): Promise<{ triggers: number; messages: number }> {
    let triggers = 0;
    let messages = 0;
    for (let round = 0; round < 100; round++) {
      const fired = await this.fireTriggers(this.store.takeWritten());
      const delivered = await this.drainBus();
      triggers += fired;
      messages += delivered;
      if (fired === 0 && delivered === 0) return { triggers, messages };
    }
    throw new Error('the system did not settle within 100 rounds of triggers and messages (a loop?)');
  }

  private async drainBus(): Promise<number> {
    let delivered = 0;
    for (;;) {
      try {
        delivered += await this.publisher.drain();
        return delivered;
      } catch (error) {
        // Pub/Sub would redeliver; here the failure is recorded (the run reports it) and the rest still flows.
        delivered++;
        this.busErrors.push(errorText(error));
      }
    }
  }

  private async fireTriggers(paths: readonly string[]): Promise<number> {
    let fired = 0;
    for (const path of paths) {
      const before = this.seen.get(path);
      const after = (await this.store.get(path)).data;
      if (JSON.stringify(before) === JSON.stringify(after)) continue;
      if (after) this.seen.set(path, after);
      else this.seen.delete(path);
      const change: ChangeKind = !before ? 'created' : !after ? 'deleted' : 'updated';
      for (const trigger of this.triggers) {
        if (trigger.on !== 'written' && trigger.on !== change) continue;
        const params = match(trigger.pattern, path);
        if (!params) continue;
        const started = performance.now();
        const run: TriggerRun = { name: trigger.name, path, change, ms: 0 };
        try {
          await trigger.run(this.event(trigger.on, path, params, before, after));
        } catch (error) {
          run.error = errorText(error);
        }
        run.ms = performance.now() - started;
        this.triggerRuns.push(run);
        fired++;
      }
    }
    return fired;
  }

  private event(
    on: string,
    path: string,
    params: Record<string, string>,
    before: DocData | undefined,
    after: DocData | undefined,
  ) {
    const snap = (data: DocData | undefined) => ({
      exists: data !== undefined,
      id: path.split('/').at(-1),
      ref: { path, id: path.split('/').at(-1) },
      data: () => data,
      get: (field: string) => data?.[field],
    });
    return {
      id: `local-${++this.eventCounter}`,
      type: `google.cloud.firestore.document.v1.${on}`,
      time: this.clock.now().toISOString(),
      document: path,
      params,
      data:
        on === 'created' ? snap(after) : on === 'deleted' ? snap(before) : { before: snap(before), after: snap(after) },
    };
  }
}

/** v1 functions compute their endpoint on access and may throw outside a Functions runtime; those are skipped. */
function endpointOf(fn: DeployedFunction): Endpoint | undefined {
  try {
    return fn.__endpoint;
  } catch {
    return undefined;
  }
}

/** `conversations/{cid}/messages/{mid}` against a path: the params, or undefined when it does not match. */
function match(pattern: readonly string[], path: string): Record<string, string> | undefined {
  const segments = path.split('/');
  if (segments.length !== pattern.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i]!;
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}
