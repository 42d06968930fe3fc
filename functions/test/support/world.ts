import type { MemoryDocumentStore } from '../../src/adapters/memory/memoryDocumentStore.js';
import type { MemoryInfra } from '../../src/composition/memory.js';
import { connectMemoryBus, memoryInfra } from '../../src/composition/memory.js';
import type { Services } from '../../src/composition/services.js';
import { buildServices, topicHandlers } from '../../src/composition/services.js';
import type { Settings } from '../../src/config.js';
import { DEFAULT_SETTINGS } from '../../src/config.js';
import type { Caller, Role } from '../../src/domain/caller.js';
import { paths } from '../../src/domain/paths.js';
import { useServices } from '../../src/functions/runtime.js';
import type { DocumentStore, Infra } from '../../src/ports.js';

/**
 * The one test world of every tier: the composition root's services (`buildServices`) over the in-memory adapters
 * (`memoryInfra`), any of which a test may swap (`store: new FirestoreDocumentStore(...)` in the emulator tier, a
 * failing bucket, the sandbox providers), with users seeded from ONE set of defaults. Feature helpers
 * (test/unit/<feature>/setup.ts, fixture.ts, support.ts, test/support/delivery.ts) only add their own shortcuts on
 * top, so a profile field means the same thing in every test.
 */

/** A user to seed: the uid and any profile fields that differ from `userDefaults(uid)`. */
export type UserSeed = { uid: string } & Record<string, unknown>;

/**
 * The profile of a signed-up user who has confirmed her email and set nothing else: what every test user gets
 * unless the test says otherwise. No phone: a number is stored only once Twilio Verify confirmed it (give one with
 * `VERIFIED_PHONE` where SMS matters).
 */
export function userDefaults(uid: string) {
  return {
    displayName: `User ${uid}`,
    kind: 'collector',
    email: `${uid}@example.com`,
    emailVerified: true,
    timeZone: 'UTC',
    locale: 'en',
  };
}

/** A verified phone, for users who should be reachable by SMS. */
export const VERIFIED_PHONE = { phone: '+15555550100', phoneVerified: true } as const;

const seedOf = (user: string | UserSeed): UserSeed => (typeof user === 'string' ? { uid: user } : user);

/** Writes users/{uid}: the defaults, then the seed's fields. */
export async function seedUser(store: DocumentStore, user: string | UserSeed): Promise<void> {
  const { uid, ...profile } = seedOf(user);
  await store.set(paths.user(uid), { ...userDefaults(uid), ...profile });
}

/**
 * A conversation in the shapes the messaging feature writes (the conversation and a member document each), for tests
 * that need one without going through createGroup: a group from three members up.
 */
export async function seedConversation(
  store: DocumentStore,
  cid: string,
  memberIds: string[],
  extra: Record<string, unknown> = {},
) {
  await store.set(paths.conversation(cid), {
    type: memberIds.length > 2 ? 'group' : 'direct',
    title: `Conversation ${cid}`,
    memberIds,
    createdAt: new Date('2024-01-01T00:00:00Z'),
    ...extra,
  });
  for (const uid of memberIds)
    await store.set(paths.member(cid, uid), {
      uid,
      role: 'member',
      joinedAt: new Date('2024-01-01T00:00:00Z'),
      unreadCount: 0,
    });
}

let messageSeq = 0;
/** A stored message as sendMessage writes it (a text by default, a fresh clientMessageId, distinct createdAt seconds). */
export async function seedMessage(store: DocumentStore, cid: string, mid: string, message: Record<string, unknown>) {
  messageSeq += 1;
  await store.set(paths.message(cid, mid), {
    type: 'text',
    clientMessageId: `client-${mid}-${messageSeq}`,
    createdAt: new Date(Date.UTC(2024, 4, 1, 12, 0, messageSeq % 60)),
    ...message,
  });
}

/** The FCM token `seedDevice` registers for a device id (long enough for the token schema). */
export const deviceToken = (deviceId: string) => `token-${deviceId}-${'x'.repeat(20)}`;

/** A registered device (users/{uid}/devices/{deviceId}) as registerDevice writes it; returns its token. */
export async function seedDevice(
  store: DocumentStore,
  uid: string,
  deviceId: string,
  at: Date,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const device = {
    deviceId,
    token: deviceToken(deviceId),
    platform: 'ios',
    appVersion: '3.4.1',
    locale: 'en',
    lastSeenAt: at,
    createdAt: at,
    ...fields,
  };
  await store.set(paths.device(uid, deviceId), device);
  return device.token;
}

/** A caller as the callables see one: a uid and its role claims. */
export const as = (uid: string, ...roles: Role[]): Caller => ({ uid, roles: new Set(roles) });

/** Adapters a test replaces; everything else is the in-memory one. */
type Adapters = Partial<Omit<Infra, 'store'>>;

export interface WorldOptions<S extends DocumentStore, A extends Adapters> {
  /** The clock's start (ISO or Date); the in-memory clock stands still until the test moves it. */
  now?: Date | string;
  /** Users to seed, by uid (all defaults) or as seeds. */
  users?: ReadonlyArray<string | UserSeed>;
  /** One Settings for the adapters and the services; the defaults of src/config.ts unless given. */
  settings?: Settings;
  /** Another DocumentStore (the Firestore emulator's, in the emulator tier). */
  store?: S;
  /** Other adapters replaced (a failing bucket, Algolia on a loopback, sandbox providers). */
  adapters?: A;
  /**
   * The Pub/Sub consumers: `true` subscribes every topic handler to the in-memory publisher (`publisher.drain()` then
   * runs them as the cloud would), a list only those topics (the rest stay on the publisher for assertions).
   */
  bus?: boolean | readonly string[];
  /** Installs the services for the wrappers (`useServices`), so callables and triggers run on this world. */
  install?: boolean;
}

export type WorldInfra<S extends DocumentStore = MemoryDocumentStore, A extends Adapters = Record<never, never>> = Omit<
  MemoryInfra,
  'store' | keyof A
> &
  A & { store: S };

export interface TestWorld<S extends DocumentStore = MemoryDocumentStore, A extends Adapters = Record<never, never>> {
  /** The adapters: in-memory ones (concrete types, for assertions) except those the test replaced. */
  infra: WorldInfra<S, A>;
  services: Services;
  store: S;
  clock: WorldInfra<S, A>['clock'];
  publisher: WorldInfra<S, A>['publisher'];
  settings: Settings;
  /** Seeds one user: the defaults, then the seed's fields. */
  addUser(user: string | UserSeed): Promise<void>;
  addUsers(users: ReadonlyArray<string | UserSeed>): Promise<void>;
  addConversation(cid: string, memberIds: string[], extra?: Record<string, unknown>): Promise<void>;
  addMessage(cid: string, mid: string, message: Record<string, unknown>): Promise<void>;
  /** Registers a device at the world's current time; returns its token. */
  addDevice(uid: string, deviceId: string, fields?: Record<string, unknown>): Promise<string>;
}

/**
 * The world without users, synchronously (for fixtures that are built outside an async context); `testWorld` is
 * this plus `users`.
 */
export function bareWorld<S extends DocumentStore = MemoryDocumentStore, A extends Adapters = Record<never, never>>(
  options: Omit<WorldOptions<S, A>, 'users'> = {},
): TestWorld<S, A> {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const memory = memoryInfra({ ...(options.now === undefined ? {} : { now: options.now }), settings });
  const wired: Infra = { ...memory, ...(options.adapters ?? {}), ...(options.store ? { store: options.store } : {}) };
  const infra = wired as WorldInfra<S, A>;
  const services: Services = buildServices(wired, settings);
  if (options.bus === true) connectMemoryBus(services, memory.publisher);
  else if (options.bus) connectTopics(services, memory.publisher, options.bus);
  if (options.install) useServices(services);
  const { store, clock } = wired;
  return {
    infra,
    services,
    store: infra.store,
    // Generic indexed types do not narrow inside the function; at the call site they are the concrete adapters.
    clock: clock as TestWorld<S, A>['clock'],
    publisher: wired.publisher as TestWorld<S, A>['publisher'],
    settings,
    addUser: (user: string | UserSeed) => seedUser(store, user),
    async addUsers(users: ReadonlyArray<string | UserSeed>) {
      for (const user of users) await seedUser(store, user);
    },
    addConversation: (cid: string, memberIds: string[], extra: Record<string, unknown> = {}) =>
      seedConversation(store, cid, memberIds, extra),
    addMessage: (cid: string, mid: string, message: Record<string, unknown>) => seedMessage(store, cid, mid, message),
    addDevice: (uid: string, deviceId: string, fields: Record<string, unknown> = {}) =>
      seedDevice(store, uid, deviceId, clock.now(), fields),
  };
}

/** The one world builder: services from the composition root over the in-memory adapters, with `users` seeded. */
export async function testWorld<
  S extends DocumentStore = MemoryDocumentStore,
  A extends Adapters = Record<never, never>,
>(options: WorldOptions<S, A> = {}): Promise<TestWorld<S, A>> {
  const world = bareWorld<S, A>(options);
  await world.addUsers(options.users ?? []);
  return world;
}

/** Subscribes only `topics`' consumers, with the metadata connectMemoryBus hands them. */
function connectTopics(services: Services, publisher: MemoryInfra['publisher'], topics: readonly string[]) {
  const handlers = topicHandlers(services);
  for (const topic of topics) {
    const handler = handlers[topic];
    if (!handler) throw new Error(`no consumer for topic ${topic}`);
    publisher.subscribe(topic, (message) =>
      handler(message.data, {
        messageId: message.id,
        attributes: message.attributes,
        publishedAt: services.infra.clock.now().toISOString(),
      }),
    );
  }
}
