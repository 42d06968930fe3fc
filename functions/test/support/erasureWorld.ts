import { Readable } from 'node:stream';
import type { CallableFunction } from 'firebase-functions/v2/https';
import type { MemoryDocumentStore } from '../../src/adapters/memory/memoryDocumentStore.js';
import type { MemoryInfra } from '../../src/composition/memory.js';
import type { Services } from '../../src/composition/services.js';
import type { DocumentStore } from '../../src/ports.js';
import { exportConversation, exportMyData, exportNotifications } from '../../src/functions/compliance.js';
import { audiencePaths } from '../../src/app/notifications/audience.js';
import { paths } from '../../src/domain/paths.js';
import { INDEX_PSEUDONYM_FIELDS, isPseudonym } from '../../src/domain/compliance/personalData.js';
import { call } from './callables.js';
import type { FakeAlgolia } from './fakes/algoliaServer.js';
import { algoliaIndexOn } from './fakes/algoliaServer.js';
import { bareWorld, seedConversation, seedMessage, seedUser } from './world.js';
import { pdfText, unzip } from './readers.js';

/**
 * The erasure scan's world and its walk (unit tier: erasureScan.test.ts on the memory store; emulator tier:
 * test/emulator/compliance/erasureScan.emulator.test.ts on Firestore). The world puts one user everywhere the product
 * puts people; the walk knows no places: it reads every document, index record and stored object it is given.
 */

/** What the seeding and the walk use of a world's adapters, on any document store. */
export type WorldInfra = Pick<MemoryInfra, 'publisher' | 'exportStorage' | 'mediaStorage'> & { store: DocumentStore };

export const UID = 'u_alice';
export const NAME = 'Alice Weaverly';
export const EMAIL = 'alice.weaverly@example.com';
export const PHONE = '+4915112345678';
/** Her identifiers as text; the surname and the email's local part alone count too. */
export const IDENTIFIERS = [NAME, 'Weaverly', EMAIL, 'alice.weaverly', PHONE, PHONE.slice(1)];
export const NOW = '2024-06-01T23:00:00Z'; // inside everyone's default quiet hours (22:00-07:00 UTC): pushes are held in digests

export type Fn = CallableFunction<unknown, unknown>;
export type Hit = { where: string; field: string; found: string };

const uidPattern = new RegExp(`(^|[^A-Za-z0-9])${UID}([^A-Za-z0-9]|$)`);

function identifierIn(text: string): string | undefined {
  const lower = text.toLowerCase();
  return IDENTIFIERS.find((id) => lower.includes(id.toLowerCase()));
}

/** Every string leaf and every map key of a value, with its dotted field path. */
function* leaves(value: unknown, field: string[] = []): Generator<{ field: string; text: string }> {
  if (typeof value === 'string') yield { field: field.join('.'), text: value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* leaves(v, [...field, String(i)]);
  else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      yield { field: [...field, k].join('.'), text: k };
      yield* leaves(v, [...field, k]);
    }
  }
}

/** Scans one record (a document or an index record); `uidAllowed` says where the uid may stay as a pseudonym. */
function scanRecord(where: string, data: unknown, uidAllowed: (field: string) => boolean): Hit[] {
  const hits: Hit[] = [];
  for (const { field, text } of leaves(data)) {
    const found = identifierIn(text);
    if (found) hits.push({ where, field, found });
    if (uidPattern.test(text) && !uidAllowed(field)) hits.push({ where, field, found: UID });
  }
  return hits;
}

/**
 * The test world (test/support/world.ts) for the scan: at NOW, on `store` (the memory store unless given), the index on
 * the real Algolia client against `fake`, the Pub/Sub bus connected and the services installed for the callables.
 */
export function erasureScanWorld<S extends DocumentStore = MemoryDocumentStore>(fake: FakeAlgolia, store?: S) {
  return bareWorld({ now: NOW, store, adapters: { messageIndex: algoliaIndexOn(fake) }, bus: true, install: true });
}

export type ScanWorld<S extends DocumentStore = MemoryDocumentStore> = ReturnType<typeof erasureScanWorld<S>>;

export async function seedWorld(infra: WorldInfra, services: Services) {
  const { store } = infra;
  await seedUser(store, {
    uid: UID,
    displayName: NAME,
    email: EMAIL,
    emailVerified: true,
    phone: PHONE,
    phoneVerified: true,
  });
  for (const uid of ['u_bob', 'u_carol', 'u_dave'])
    await seedUser(store, { uid, displayName: `Name of ${uid}`, email: `${uid}@example.com`, emailVerified: true });
  await seedUser(store, {
    uid: 'u_officer',
    displayName: 'Compliance Officer',
    email: 'officer@example.com',
    emailVerified: true,
  });
  // Her own data.
  await store.set(paths.preferences(UID), { channels: { sms: true } });
  for (const uid of [UID, 'u_bob', 'u_carol'])
    await store.set(paths.device(uid, 'd1'), { token: `fcm-token-${uid}`, platform: 'android' });
  await store.set(paths.key(UID, 'd1'), { publicKey: 'BASE64KEY', alg: 'X25519' });
  await store.set(paths.block(UID, 'u_dave'), { createdAt: new Date(NOW) });
  await store.set(`phoneVerifications/${UID}`, { phone: PHONE, starts: [new Date(NOW)] });
  // Follows both ways: she follows Carol (with whom she shares no conversation); Bob follows her.
  await store.set(audiencePaths.follower('u_carol', UID), { uid: UID, creatorId: 'u_carol', createdAt: new Date(NOW) });
  await store.set(`users/${UID}/following/u_carol`, { uid: 'u_carol', followerId: UID, createdAt: new Date(NOW) });
  await store.set(audiencePaths.follower(UID, 'u_bob'), { uid: 'u_bob', creatorId: UID, createdAt: new Date(NOW) });
  await store.set(`users/u_bob/following/${UID}`, { uid: UID, followerId: 'u_bob', createdAt: new Date(NOW) });
  // An auction she watches and an order she paid (the marketplace's financial record keeps her uid).
  await store.set('auctions/a1', {
    sellerId: 'u_carol',
    title: 'Walnut bowl',
    watcherIds: [UID, 'u_bob'],
    highBid: { bidderId: UID, amount: 140 },
  });
  await store.set(audiencePaths.watcher('a1', UID), { uid: UID, since: new Date(NOW) });
  await store.set('auctions/a1/bids/b1', { bidderId: UID, amount: 140 });
  await store.set('orders/o1', { buyerId: UID, sellerId: 'u_carol', itemTitle: 'Walnut bowl', amount: 140 });

  // A direct conversation with Bob and a group with Bob and Dave whose title names her.
  await seedConversation(store, 'dm', [UID, 'u_bob'], {
    title: '',
    lastMessage: { senderId: 'u_bob', preview: `mail ${EMAIL}` },
    createdBy: UID,
  });
  await seedConversation(store, 'g1', [UID, 'u_bob', 'u_dave'], { title: `${NAME}'s weaving circle`, createdBy: UID });
  for (const [cid, uid] of [
    ['dm', UID],
    ['dm', 'u_bob'],
    ['g1', UID],
    ['g1', 'u_bob'],
    ['g1', 'u_dave'],
  ] as const) {
    await store.update(paths.member(cid, uid), { displayName: uid === UID ? NAME : `Name of ${uid}` });
    // Her read position (markConversationRead's reads/{uid}): a document keyed by her uid.
    await store.set(paths.readPosition(cid, uid), { lastReadAt: new Date(NOW) });
  }
  await seedMessage(store, 'dm', `${UID}_m1`, {
    senderId: UID,
    clientMessageId: 'm1',
    text: `Call me on ${PHONE} or mail ${EMAIL}`,
    createdAt: new Date('2024-05-02T00:00:00Z'),
  });
  await seedMessage(store, 'dm', `${UID}_m2`, {
    senderId: UID,
    clientMessageId: 'm2',
    type: 'image',
    text: 'The bowl',
    attachments: [
      {
        kind: 'image',
        path: `conversations/dm/${UID}/bowl.jpg`,
        contentType: 'image/jpeg',
        size: 40,
        name: `${NAME} bowl.jpg`,
      },
    ],
    createdAt: new Date('2024-05-03T00:00:00Z'),
  });
  await seedMessage(store, 'dm', 'u_bob_m3', {
    senderId: 'u_bob',
    clientMessageId: 'm3',
    text: `Thanks ${NAME}, I saved ${EMAIL}`,
    createdAt: new Date('2024-05-04T00:00:00Z'),
  });
  await seedMessage(store, 'g1', 'system_1', {
    senderId: 'system',
    type: 'system',
    text: `${NAME} created the group`,
    createdAt: new Date('2024-05-01T00:00:00Z'),
  });
  await seedMessage(store, 'g1', `${UID}_g2`, {
    senderId: UID,
    clientMessageId: 'g2',
    text: 'Meet at the guild hall',
    createdAt: new Date('2024-05-05T00:00:00Z'),
  });
  await seedMessage(store, 'g1', 'u_dave_g3', {
    senderId: 'u_dave',
    clientMessageId: 'g3',
    text: 'Pay me off-platform at dave@example.com',
    createdAt: new Date('2024-05-06T00:00:00Z'),
  });
  // A conversation without her, which must stay as it is.
  await seedConversation(store, 'other', ['u_bob', 'u_dave'], { title: 'Bob & Dave' });
  await seedMessage(store, 'other', 'u_bob_o1', {
    senderId: 'u_bob',
    clientMessageId: 'o1',
    text: 'Hi Dave',
    createdAt: new Date('2024-05-07T00:00:00Z'),
  });
  for (const cid of ['dm', 'g1', 'other']) await services.search.indexer.reindexConversation(cid);
  // Media she uploaded, and Bob's, in the media bucket.
  await infra.mediaStorage.write(`conversations/dm/${UID}/bowl.jpg`, 'image/jpeg', readable(`JPEG of ${NAME}`));
  await infra.mediaStorage.write('conversations/dm/u_bob/reply.jpg', 'image/jpeg', readable('JPEG of a bowl'));

  // Moderation: the filter flags her message; she reports Dave's message with a note naming herself.
  await services.messaging.moderation.flagAutomated(
    { conversationId: 'dm', messageId: `${UID}_m1`, senderId: UID, excerpt: `Call me on ${PHONE} or mail ${EMAIL}` },
    [{ reason: 'contact_details', match: PHONE } as never],
  );
  await services.messaging.moderation.report(
    { uid: UID, roles: new Set() },
    {
      conversationId: 'g1',
      messageId: 'u_dave_g3',
      reason: 'off_platform',
      note: `I am ${NAME}, he wants payment outside`,
    },
  );

  // Events through the real pipeline: she follows Carol and bids on Carol's auction; Bob is told of her message;
  // she is told her order shipped. It is night for everyone, so pushes wait in digests.
  const submit = (type: string, payload: Record<string, unknown>, key: string) =>
    services.notifications.pipeline.submit({ type, idempotencyKey: key, occurredAt: NOW, payload }, 'callable', key);
  await submit('social.new_follower', { creatorId: 'u_carol', followerId: UID, followerName: NAME }, 'follow-1');
  await submit(
    'auction.bid_placed',
    {
      auctionId: 'a1',
      auctionTitle: 'Walnut bowl',
      sellerId: 'u_carol',
      bidderId: UID,
      bidderName: NAME,
      amount: 140,
      currency: 'USD',
    },
    'bid-1',
  );
  await submit(
    'messaging.new_message',
    {
      conversationId: 'dm',
      messageId: `${UID}_m1`,
      senderId: UID,
      senderName: NAME,
      recipientIds: ['u_bob'],
      preview: `Call me on ${PHONE}`,
      messageType: 'text',
      encrypted: false,
    },
    'msg-1',
  );
  await submit(
    'order.shipped',
    { orderId: 'o1', itemTitle: 'Walnut bowl', buyerId: UID, carrier: 'DHL', trackingNumber: 'JD0001' },
    'ship-1',
  );
  await infra.publisher.drain();

  // She reads her in-app notification; the analytics counter (the trigger's use case, called as the trigger would)
  // records it as her latest touch (`analyticsTouches/{uid}`, conversion attribution) and marks it counted.
  const [mine] = await store.query(paths.notifications(UID));
  await services.notifications.center.markRead(UID, [mine!.id]);
  await services.analytics.counter.onInAppWritten(UID, mine!.id, (await store.get(mine!.path)).data);
  // Activity feeds, as their triggers write them: hers (her follow of Carol, her bid, her message) and Bob's follow
  // of her (her uid in Bob's feed, as a pseudonym).
  const feed = services.activity.feed;
  await feed.onFollowingWritten(UID, 'u_carol', undefined, (await store.get(`users/${UID}/following/u_carol`)).data);
  await feed.onFollowingWritten('u_bob', UID, undefined, (await store.get(`users/u_bob/following/${UID}`)).data);
  for (const e of await store.query(paths.events())) await feed.onEventWritten(e.id, undefined, e.data);
  await feed.onMessageCreated('dm', `${UID}_m1`, (await store.get(paths.message('dm', `${UID}_m1`))).data!);

  // Exports made before the erasure: hers, Bob's of their conversation, Carol's notifications, a compliance export
  // of hers, and Dave's of a conversation without her (kept).
  await call(exportMyData as Fn, {}, { uid: UID });
  // A PDF is queued by the callable and rendered by the background function (here, its use case).
  const pdf = await call<{ exportId: string }>(
    exportConversation as Fn,
    { conversationId: 'dm', format: 'pdf' },
    { uid: 'u_bob' },
  );
  await services.compliance.exports.renderQueued(pdf.exportId);
  await call(exportNotifications as Fn, { format: 'csv' }, { uid: 'u_carol' });
  await call(exportNotifications as Fn, { format: 'json', uid: UID }, { uid: 'u_officer', roles: ['compliance'] });
  await call(exportConversation as Fn, { conversationId: 'other', format: 'json' }, { uid: 'u_dave' });
}

/** Walks everything: all documents at every depth, all search records, all stored objects (zips and PDFs opened). */
export async function scanEverything(
  infra: WorldInfra,
  fake: FakeAlgolia,
  documents: Iterable<[string, unknown]>,
): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const [path, data] of documents) {
    const segments = path.split('/');
    for (const [i, segment] of segments.entries()) {
      const found = identifierIn(segment);
      if (found) hits.push({ where: path, field: '(path)', found });
      const isId = i === segments.length - 1;
      if (uidPattern.test(segment) && !(isId && isPseudonym(path, undefined)))
        hits.push({ where: path, field: '(path)', found: UID });
    }
    hits.push(...scanRecord(path, data, (field) => isPseudonym(path, field)));
  }
  for (const [objectID, record] of fake.index('messages')) {
    hits.push(...scanRecord(`index:messages/${objectID}`, record, (field) => INDEX_PSEUDONYM_FIELDS.includes(field)));
  }
  for (const [bucket, storage] of [
    ['exports', infra.exportStorage],
    ['media', infra.mediaStorage],
  ] as const) {
    for (const [path, object] of storage.objects) {
      for (const text of [path, ...(await readableTexts(path, object.bytes))]) {
        const found = identifierIn(text);
        if (found) hits.push({ where: `${bucket}:${path}`, field: '(content)', found });
        if (uidPattern.test(text)) hits.push({ where: `${bucket}:${path}`, field: '(content)', found: UID });
      }
    }
  }
  return hits;
}

function readable(text: string) {
  return Readable.from([Buffer.from(text)]);
}

/** An object's text as a reader would get it: ZIP entries unpacked, PDF text extracted, anything else as UTF-8. */
async function readableTexts(path: string, bytes: Buffer): Promise<string[]> {
  if (path.endsWith('.zip'))
    return [...(await unzip(bytes)).entries()].flatMap(([name, content]) => [name, content.toString('utf8')]);
  if (path.endsWith('.pdf')) return [(await pdfText(bytes)).text, bytes.toString('latin1')];
  return [bytes.toString('utf8')];
}
