import { emulatorConfig } from '../emulatorConfig.js';

/**
 * Scheduled functions in the emulator suite. The Functions emulator never fires them on a clock. firebase-tools
 * registers each one on a Pub/Sub topic `firebase-schedule-<name>`, but it loads a v2 `onSchedule` function with the
 * HTTP signature Cloud Scheduler uses in the cloud, and its Pub/Sub emulator drops messages for HTTP-signature
 * triggers ("Unsupported trigger signature: http", logged at debug level only): publishing to that topic runs nothing.
 * So this does what Cloud Scheduler does: an HTTP POST to the function, with Cloud Scheduler's job headers. The answer
 * is the run's outcome (200, or 500 when the handler threw), so a caller knows it finished and how. The emulator keys a
 * scheduled function as `<region>-<name>-<generation>` (it is an event trigger to it, so /<project>/<region>/<name>
 * answers 404); the key is read from the emulator's own 404 listing of the valid keys.
 */

export interface ScheduledFunction {
  name: string;
  region: string;
  schedule: string;
}

export interface ScheduleRun extends ScheduledFunction {
  status: number;
  ms: number;
}

/** The emulator hub: FIREBASE_EMULATOR_HUB (set inside `firebase emulators:exec`), else firebase.json's + EMULATOR_PORT_OFFSET. */
export function emulatorHub(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FIREBASE_EMULATOR_HUB) return env.FIREBASE_EMULATOR_HUB;
  const [host, port] = emulatorConfig().hub.split(':') as [string, string];
  return `${host}:${Number(port) + Number(env.EMULATOR_PORT_OFFSET ?? 0)}`;
}

async function getJson(url: string, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch {
    throw new Error(
      `no ${what} at ${url}: start the suite with \`npm run emulators\` (EMULATOR_PORT_OFFSET=<n> if it runs shifted)`,
    );
  }
  if (!response.ok) throw new Error(`${what} at ${url} answered HTTP ${response.status}`);
  return response.json();
}

/** The running Functions emulator's origin, e.g. http://127.0.0.1:5001, found through the hub. */
export async function functionsEmulatorOrigin(hub = emulatorHub()): Promise<string> {
  const running = (await getJson(`http://${hub}/emulators`, 'emulator hub')) as Record<
    string,
    { host: string; port: number } | undefined
  >;
  const functions = running.functions;
  if (!functions)
    throw new Error(
      `the emulator suite at ${hub} runs no Functions emulator (running: ${Object.keys(running).join(', ')})`,
    );
  const host = functions.host.includes(':') ? `[${functions.host}]` : functions.host;
  return `http://${host}:${functions.port}`;
}

/** Every scheduled function the Functions emulator loaded. */
export async function scheduledFunctions(origin: string): Promise<ScheduledFunction[]> {
  const { backends } = (await getJson(`${origin}/backends`, 'Functions emulator')) as {
    backends: Array<{ functionTriggers: Array<{ name: string; region: string; schedule?: unknown }> }>;
  };
  const all = backends
    .flatMap((b) => b.functionTriggers)
    .filter((t) => t.schedule)
    .map((t) => ({
      name: t.name,
      region: t.region,
      schedule:
        typeof t.schedule === 'object' && t.schedule
          ? String((t.schedule as { schedule?: unknown }).schedule)
          : String(t.schedule),
    }));
  // A reload (enableBackgroundTriggers) keeps the earlier generation's records beside the new ones: one per function.
  return [...new Map(all.map((f) => [`${f.region}/${f.name}`, f])).values()];
}

/** Runs one scheduled function now, as Cloud Scheduler would, and resolves when it finished. */
export async function runScheduledFunction(
  name: string,
  options: { hub?: string; projectId?: string; now?: Date } = {},
): Promise<ScheduleRun> {
  const origin = await functionsEmulatorOrigin(options.hub);
  const all = await scheduledFunctions(origin);
  const fn = all.find((f) => f.name === name);
  if (!fn)
    throw new Error(
      `no scheduled function "${name}" in the Functions emulator; there are: ${all.map((f) => f.name).join(', ') || 'none'}`,
    );
  const projectId = options.projectId ?? process.env.GCLOUD_PROJECT ?? emulatorConfig().projectId;
  const key = await triggerKey(origin, projectId, `${fn.region}-${fn.name}`);
  const started = Date.now();
  const response = await fetch(`${origin}/functions/projects/${projectId}/triggers/${key}`, {
    method: 'POST',
    headers: {
      'X-CloudScheduler-JobName': `firebase-schedule-${fn.name}-${fn.region}`,
      'X-CloudScheduler-ScheduleTime': (options.now ?? new Date()).toISOString(),
      'content-type': 'application/json',
    },
    body: '{}',
    signal: AbortSignal.timeout(10 * 60_000),
  });
  await response.arrayBuffer();
  return { ...fn, status: response.status, ms: Date.now() - started };
}

/** The emulator's key for a trigger id: `<id>-<generation>`, the newest generation it lists. */
async function triggerKey(origin: string, projectId: string, id: string): Promise<string> {
  const probe = await fetch(`${origin}/functions/projects/${projectId}/triggers/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const text = await probe.text();
  if (probe.ok)
    throw new Error(
      `the Functions emulator ran ${id} under its bare id; expected it keyed by generation (firebase-tools changed?)`,
    );
  const keys = (/valid functions are: (.*)$/s.exec(text)?.[1] ?? '').split(',').map((k) => k.trim());
  const generations = keys.filter((k) => k.startsWith(`${id}-`) && /^\d+$/.test(k.slice(id.length + 1)));
  if (generations.length === 0)
    throw new Error(`the Functions emulator lists no trigger for ${id} (HTTP ${probe.status}: ${text.slice(0, 300)})`);
  return generations.sort((a, b) => Number(b.slice(id.length + 1)) - Number(a.slice(id.length + 1)))[0]!;
}
