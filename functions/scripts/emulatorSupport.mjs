// Finds what the Firebase emulator suite needs on this machine and prepares firebase-tools to use it.
//
// firebase-tools normally downloads the Firestore and Pub/Sub emulators from Google, which this machine cannot reach.
// The image ships the Google Cloud CLI's copies instead; firebase-tools takes them through
// FIRESTORE_EMULATOR_BINARY_PATH / PUBSUB_EMULATOR_BINARY_PATH. It starts Firestore with `java -jar <path>`, and the
// gcloud jar has no Main-Class, so we build a launcher jar (a manifest naming the main class, with the gcloud jar on
// its Class-Path) with the JDK's `jar` tool. Both emulators need Java 21+; the default `java` here is 17, so the newest
// JDK under /usr/lib/jvm (or JAVA_HOME) goes first on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REQUIRED_JAVA = 21;
export const FUNCTIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(FUNCTIONS_DIR, '..');

const GCLOUD_PLATFORM = process.env.GCLOUD_EMULATORS_DIR ?? '/usr/lib/google-cloud-sdk/platform';
const GCLOUD_FIRESTORE_JAR = join(GCLOUD_PLATFORM, 'cloud-firestore-emulator', 'cloud-firestore-emulator.jar');
const GCLOUD_PUBSUB_BIN = join(GCLOUD_PLATFORM, 'pubsub-emulator', 'bin', 'cloud-pubsub-emulator');
const FIRESTORE_MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';
/** Where generated files live (launcher jar, per-offset configs); gitignored. */
export const WORK_DIR = join(FUNCTIONS_DIR, '.emulators');

function javaMajorAt(javaBin) {
  const out = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
  if (out.error) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** The newest JDK home with Java >= 21: JAVA_HOME, then /usr/lib/jvm/*, then whatever `java` is on PATH. */
export function findJdk() {
  const candidates = [];
  if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
  if (existsSync('/usr/lib/jvm')) for (const d of readdirSync('/usr/lib/jvm')) candidates.push(join('/usr/lib/jvm', d));
  let best;
  for (const home of candidates) {
    const bin = join(home, 'bin', 'java');
    if (!existsSync(bin)) continue;
    const major = javaMajorAt(bin);
    if (major !== undefined && (!best || major > best.major)) best = { home, bin: join(home, 'bin'), major };
  }
  if (best && best.major >= REQUIRED_JAVA) return best;
  const onPath = javaMajorAt('java');
  if (onPath !== undefined && onPath >= REQUIRED_JAVA) return { home: undefined, bin: undefined, major: onPath };
  return { home: best?.home, bin: best?.bin, major: Math.max(best?.major ?? 0, onPath ?? 0) || undefined };
}

function firebaseCacheHas(prefix) {
  const dir = join(homedir(), '.cache', 'firebase', 'emulators');
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith(prefix));
}

/** Builds (once) the few-hundred-byte launcher jar that gives the gcloud Firestore emulator jar a Main-Class. */
function firestoreLauncherJar(jdkBin) {
  const jar = join(WORK_DIR, 'firestore-launcher.jar');
  const manifest = join(WORK_DIR, 'firestore-launcher.manifest');
  const text = `Main-Class: ${FIRESTORE_MAIN_CLASS}\nClass-Path: ${GCLOUD_FIRESTORE_JAR}\n`;
  if (existsSync(jar) && existsSync(manifest) && readFileSync(manifest, 'utf8') === text) return jar;
  mkdirSync(WORK_DIR, { recursive: true });
  writeFileSync(manifest, text);
  const tool = jdkBin ? join(jdkBin, 'jar') : 'jar';
  const made = spawnSync(tool, ['cfm', jar, manifest], { encoding: 'utf8' });
  if (made.status !== 0)
    throw new Error(`could not build the Firestore launcher jar with ${tool}: ${made.stderr || made.error}`);
  return jar;
}

/**
 * What the emulator suite needs, resolved: `{ env }` to start firebase-tools with, or `{ reason }` naming what is
 * missing and how to get it.
 */
export function emulatorRuntime() {
  const jdk = findJdk();
  if (!jdk.major || jdk.major < REQUIRED_JAVA) {
    const found = jdk.major ? `Java ${jdk.major} is the newest found` : 'no Java found';
    return {
      reason: `${found}; the Firestore and Pub/Sub emulators need Java ${REQUIRED_JAVA}+ (install e.g. openjdk-${REQUIRED_JAVA}-jre-headless, or set JAVA_HOME)`,
    };
  }
  const env = { ...process.env };
  if (jdk.bin) env.PATH = `${jdk.bin}:${process.env.PATH ?? ''}`;
  if (jdk.home) env.JAVA_HOME = jdk.home;
  // The Functions emulator gives the code 10 s to load before it gives up on discovery; on a busy two-core CI machine
  // the first load has taken longer. The value is in seconds (firebase-tools reads it).
  env.FUNCTIONS_DISCOVERY_TIMEOUT ??= '60';
  for (const name of ['FIRESTORE_EMULATOR_BINARY_PATH', 'PUBSUB_EMULATOR_BINARY_PATH']) {
    if (env[name] && !existsSync(env[name])) return { reason: `${name} is set to ${env[name]}, which does not exist` };
  }
  if (!env.FIRESTORE_EMULATOR_BINARY_PATH) {
    if (existsSync(GCLOUD_FIRESTORE_JAR)) env.FIRESTORE_EMULATOR_BINARY_PATH = firestoreLauncherJar(jdk.bin);
    else if (!firebaseCacheHas('cloud-firestore-emulator')) {
      return {
        reason: `no Firestore emulator: neither ${GCLOUD_FIRESTORE_JAR} (Debian package google-cloud-cli-firestore-emulator) nor firebase-tools' download in ~/.cache/firebase/emulators`,
      };
    }
  }
  if (!env.PUBSUB_EMULATOR_BINARY_PATH) {
    if (existsSync(GCLOUD_PUBSUB_BIN)) env.PUBSUB_EMULATOR_BINARY_PATH = GCLOUD_PUBSUB_BIN;
    else if (!firebaseCacheHas('pubsub-emulator')) {
      return {
        reason: `no Pub/Sub emulator: neither ${GCLOUD_PUBSUB_BIN} (Debian package google-cloud-cli-pubsub-emulator) nor firebase-tools' download in ~/.cache/firebase/emulators`,
      };
    }
  }
  return { env, java: jdk.major };
}

/** Kept for callers that only want the yes/no: undefined when the suite can start here, else the reason. */
export function emulatorTierUnavailable() {
  return emulatorRuntime().reason;
}

// Every port the suite listens on. The Firestore websocket, Eventarc and Cloud Tasks ports are pinned too, so that a
// shifted suite (EMULATOR_PORT_OFFSET) shares no port with another one on the same machine.
// https://fetch.spec.whatwg.org/#port-blocking, the ports near the suite's (4000-9600).
const FETCH_BAD_PORTS = new Set([4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697]);

const EXTRA_PORTS = { eventarc: 9299, tasks: 9499, firestoreWebsocket: 9150 };

/**
 * The firebase.json to start the suite with. With `offset` 0 that is the repository's own; otherwise a copy beside it
 * (relative paths in it keep working) with every port shifted by `offset`, so parallel suites never seed each other.
 */
export function suiteConfig(offset = Number(process.env.EMULATOR_PORT_OFFSET ?? 0)) {
  // The suite's ports differ pairwise by anything but a multiple of 10 up to 90 (4000/4400/4500, 5001, 8080/8085,
  // 9099/9150/9199/9299/9499, the sandbox at Functions + 5), so suites shifted by 0, 10, ..., 90 never share a port.
  // (60 is refused below: it puts Functions on a port fetch blocks.)
  if (!Number.isInteger(offset) || offset < 0 || offset > 90 || offset % 10 !== 0) {
    throw new Error(
      `EMULATOR_PORT_OFFSET must be one of 0, 10, 20, ..., 90 (got ${process.env.EMULATOR_PORT_OFFSET}); other offsets make suites share ports`,
    );
  }
  const base = JSON.parse(readFileSync(join(ROOT, 'firebase.json'), 'utf8'));
  const emulators = structuredClone(base.emulators);
  emulators.eventarc ??= { host: '127.0.0.1', port: EXTRA_PORTS.eventarc };
  emulators.tasks ??= { host: '127.0.0.1', port: EXTRA_PORTS.tasks };
  emulators.firestore.websocketPort ??= EXTRA_PORTS.firestoreWebsocket;
  const ports = {};
  for (const [name, entry] of Object.entries(emulators)) {
    if (typeof entry !== 'object' || entry === null || !entry.port) continue;
    entry.port += offset;
    ports[name] = { host: entry.host ?? '127.0.0.1', port: entry.port };
  }
  emulators.firestore.websocketPort += offset;
  ports.firestoreWebsocket = { host: emulators.firestore.host ?? '127.0.0.1', port: emulators.firestore.websocketPort };
  let path = join(ROOT, 'firebase.json');
  if (offset !== 0 || !base.emulators.eventarc || !base.emulators.tasks || !base.emulators.firestore.websocketPort) {
    path = join(ROOT, `.firebase.emulators-${offset}.json`);
    writeFileSync(path, `${JSON.stringify({ ...base, emulators }, null, 2)}\n`);
  }
  // Node's fetch (and browsers) refuse the WHATWG "bad ports" (5061 is SIP-TLS: Functions at offset 60), so a suite
  // there would start but every HTTP call into it would fail with "bad port".
  const sandboxPort = ports.functions ? ports.functions.port + 5 : undefined;
  for (const [name, { port }] of [...Object.entries(ports), ['sandbox', { port: sandboxPort }]]) {
    if (FETCH_BAD_PORTS.has(port))
      throw new Error(
        `EMULATOR_PORT_OFFSET=${offset} puts ${name} on port ${port}, which fetch refuses (a WHATWG "bad port"); pick another offset`,
      );
  }
  const projectId = JSON.parse(readFileSync(join(ROOT, '.firebaserc'), 'utf8')).projects.default;
  const at = (name) => `${ports[name].host}:${ports[name].port}`;
  return { path, ports, projectId, at };
}

function portFree(host, port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, host, () => server.close(() => resolvePort(true)));
  });
}

/** Names every port of the suite that something else already holds ([] when all are free). */
export async function takenPorts(ports) {
  const taken = [];
  for (const [name, { host, port }] of Object.entries(ports)) {
    if (name === 'ui') continue; // emulators:exec does not start the UI
    if (!(await portFree(host, port))) taken.push(`${name} ${host}:${port}`);
  }
  return taken;
}

/** The environment variables the Admin and client SDKs use to find the suite. */
export function clientEnvironment(config) {
  return {
    GCLOUD_PROJECT: config.projectId,
    FIRESTORE_EMULATOR_HOST: config.at('firestore'),
    FIREBASE_AUTH_EMULATOR_HOST: config.at('auth'),
    PUBSUB_EMULATOR_HOST: config.at('pubsub'),
    FIREBASE_FUNCTIONS_EMULATOR_ORIGIN: `http://${config.at('functions')}`,
    FIREBASE_EMULATOR_HUB: config.at('hub'),
  };
}
