// Runs in a fresh Node process: imports the built deploy surface while watching for anything that initialises
// (a Firebase app, a socket, a secret read, a provider SDK loaded) and prints what it saw as JSON.
const net = require('node:net');
const path = require('node:path');

const SECRET_NAMES = [
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'SENDGRID_API_KEY',
  'SENDGRID_WEBHOOK_PUBLIC_KEY',
  'ALGOLIA_APP_ID',
  'ALGOLIA_ADMIN_KEY',
  'ALGOLIA_SEARCH_KEY',
  'UNSUBSCRIBE_SIGNING_KEY',
];
const secretsRead = new Set();
const realEnv = process.env;
for (const name of SECRET_NAMES) realEnv[name] = `value-of-${name}`;
process.env = new Proxy(realEnv, {
  get(target, prop) {
    if (SECRET_NAMES.includes(prop)) secretsRead.add(prop);
    return Reflect.get(target, prop);
  },
});

const connections = [];
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  connections.push(JSON.stringify(args[0]));
  return originalConnect.apply(this, args);
};

// The Firebase CLI sets the project while it discovers functions; v1 triggers (auth.user().onDelete) need it to
// describe their endpoint.
process.env.GCLOUD_PROJECT ??= 'demo-craft-comms';
const surface = require(path.resolve(process.argv[2]));
const { getApps } = require('firebase-admin/app');

function kindOf(endpoint) {
  if (!endpoint) return 'not-a-function';
  if (endpoint.callableTrigger) return 'callable';
  if (endpoint.httpsTrigger) return 'https';
  if (endpoint.scheduleTrigger) return 'schedule';
  if (endpoint.blockingTrigger) return `blocking:${endpoint.blockingTrigger.eventType}`;
  const type = endpoint.eventTrigger && endpoint.eventTrigger.eventType;
  if (!type) return 'unknown';
  if (type.startsWith('google.cloud.firestore.document.v1.')) {
    return `firestore:${type.split('.').pop()}:${endpoint.eventTrigger.eventFilterPathPatterns?.document ?? ''}`;
  }
  if (type === 'google.cloud.pubsub.topic.v1.messagePublished')
    return `pubsub:${endpoint.eventTrigger.eventFilters.topic}`;
  if (type.startsWith('providers/firebase.auth/eventTypes/')) return `auth:${type.split('/').pop()}`;
  return type;
}

const loadedSdks = [
  'twilio',
  'algoliasearch',
  '@sendgrid/mail',
  '@sendgrid/client',
  '@google-cloud/pubsub',
  'pdfkit',
  'archiver',
].filter((name) =>
  Object.keys(require.cache).some((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)),
);

// Libraries only a function's first invocation needs (validation, phone numbers, time zones, moderation, resilience):
// the wrappers load them with the use cases, never at import.
const loadedLibraries = ['zod', 'libphonenumber-js', 'luxon', 'obscenity', 'cockatiel'].filter((name) =>
  Object.keys(require.cache).some((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)),
);

// Every function's endpoint as the Firebase CLI's discovery reads it (trigger, region, options, secrets), by name.
const endpoints = Object.fromEntries(
  Object.entries(surface).map(([name, fn]) => [name, JSON.parse(JSON.stringify((fn && fn.__endpoint) ?? null))]),
);

// `invoke`: what the first invocation of FUNCTION_TARGET's function loads besides (runtime.services(), as the wrappers
// call it): the use-case folders (lib/app/<feature>) and SDKs in the module cache afterwards.
async function firstInvocation() {
  if (process.argv[3] !== 'invoke') return undefined;
  const lib = path.dirname(path.resolve(process.argv[2]));
  await require(path.join(lib, 'functions', 'runtime.js')).services();
  const appDir = path.join(lib, 'app') + path.sep;
  const features = new Set(
    Object.keys(require.cache)
      .filter((file) => file.startsWith(appDir))
      .map((file) => file.slice(appDir.length).split(path.sep)[0].replace(/\.js$/, '')),
  );
  const sdks = ['pdfkit', 'archiver', 'algoliasearch', 'twilio', '@sendgrid/mail', 'libphonenumber-js'].filter((name) =>
    Object.keys(require.cache).some((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)),
  );
  return { appModules: [...features].sort(), libraries: sdks };
}

setTimeout(async () => {
  const invoked = await firstInvocation();
  const exportsByKind = Object.fromEntries(
    Object.entries(surface).map(([name, fn]) => [name, kindOf(fn && fn.__endpoint)]),
  );
  process.stdout.write(
    JSON.stringify({
      exports: exportsByKind,
      firebaseApps: getApps().length,
      secretsRead: [...secretsRead],
      connections,
      loadedSdks,
      loadedLibraries,
      endpoints,
      ...(invoked ? { invoked } : {}),
    }),
  );
}, 200);
