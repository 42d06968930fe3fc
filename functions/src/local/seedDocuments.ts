import type { DocData } from '../ports.js';
import { paths } from '../domain/paths.js';
import { userProfileSchema } from '../domain/users.js';
import type { Role } from '../domain/caller.js';
import { messageIdFor, newMember, publicProfileOf } from '../domain/messaging/conversation.js';
import type { Conversation } from '../domain/messaging/conversation.js';
import { messageSchema, previewOf } from '../domain/messaging/message.js';
import { processedMarker } from '../app/messaging/onMessageCreated.js';
import { audiencePaths } from '../app/notifications/audience.js';
import { mergePatch, preferencesPatchSchema } from '../domain/notifications/preferences.js';
import type { PreferencesPatch } from '../domain/notifications/preferences.js';
import type { Seed, SeedConversation, SeedUser } from './seedData.js';

/**
 * Seed → documents, as one pure function: the same list of writes goes into the Firestore emulator (Admin SDK) and
 * into the MemoryDocumentStore of the local run, so both start from identical data. Every document has the shape
 * the feature that owns it reads (users per domain/users.ts, conversations per domain/messaging, …).
 */

export interface SeedWrite {
  path: string;
  data: DocData;
}

/** An Auth user, with role claims (admin, compliance, service) as custom claims. */
export interface SeedAuthUser {
  uid: string;
  displayName: string;
  email?: string;
  emailVerified: boolean;
  phoneNumber?: string;
  /** Emulator only (the seed refuses non-demo projects): lets the reference web app sign in with email/password. */
  password?: string;
  customClaims: Partial<Record<Role, true>>;
}

/** The password every seeded user with an email gets in the Auth emulator (web/ signs in with it). */
export const SEED_PASSWORD = 'craft-demo';

export const seedPaths = {
  preferences: paths.preferences,
  following: (followerId: string, creatorId: string) => `users/${followerId}/following/${creatorId}`,
  auction: (auctionId: string) => `auctions/${auctionId}`,
  bid: (auctionId: string, bidId: string) => `auctions/${auctionId}/bids/${bidId}`,
  order: (orderId: string) => `orders/${orderId}`,
};

export function seedDocuments(seed: Seed, options: { now: Date }): SeedWrite[] {
  const { now } = options;
  return [
    ...seed.users.flatMap((u) => userDocuments(u, now)),
    ...seed.devices.map((d) => ({
      path: paths.device(d.uid, d.deviceId),
      data: {
        deviceId: d.deviceId,
        token: d.token,
        platform: d.platform,
        appVersion: d.appVersion,
        locale: d.locale,
        lastSeenAt: now,
        createdAt: now,
      },
    })),
    ...seed.follows.flatMap((f) =>
      f.followerIds.flatMap((followerId) => [
        // Audience pages are ordered by `uid` (app/notifications/audience.ts).
        {
          path: audiencePaths.follower(f.creatorId, followerId),
          data: { uid: followerId, creatorId: f.creatorId, createdAt: now },
        },
        { path: seedPaths.following(followerId, f.creatorId), data: { uid: f.creatorId, followerId, createdAt: now } },
      ]),
    ),
    ...seed.auctions.flatMap((a) => auctionDocuments(a)),
    ...seed.orders.map((o) => ({
      path: seedPaths.order(o.orderId),
      data: {
        buyerId: o.buyerId,
        sellerId: o.sellerId,
        itemTitle: o.item,
        amount: o.amount,
        currency: o.currency,
        status: o.status,
        ...(o.carrier ? { carrier: o.carrier } : {}),
        ...(o.trackingNumber ? { trackingNumber: o.trackingNumber } : {}),
        updatedAt: now,
      },
    })),
    ...seed.conversations.flatMap((c) => conversationDocuments(c, seed.users)),
  ];
}

function userDocuments(u: SeedUser, now: Date): SeedWrite[] {
  // Parsed through the profile schema: the seed cannot write a users/{uid} the app would reject.
  const profile = userProfileSchema.parse({
    displayName: u.displayName,
    kind: u.kind,
    email: u.email,
    emailVerified: u.emailVerified,
    // The profile carries a phone only once verified (domain/users.ts); an unverified number stays in Auth.
    phone: u.phoneVerified ? u.phone : undefined,
    phoneVerified: u.phoneVerified && u.phone !== undefined,
    timeZone: u.timeZone,
    locale: u.locale,
    createdAt: now,
  });
  const writes: SeedWrite[] = [{ path: paths.user(u.uid), data: withoutUndefined(profile) }];
  writes.push({ path: seedPaths.preferences(u.uid), data: preferencesOf(u, now) });
  return writes;
}

/**
 * The stored preferences document is a patch over the pipeline's defaults (domain/notifications/preferences.ts):
 * the seed's quiet and working hours, plus whatever else the user chose (`preferences` in users.json).
 */
function preferencesOf(u: SeedUser, now: Date): DocData {
  const patch = mergePatch(u.preferences as PreferencesPatch | undefined, {
    ...(u.quietHours ? { quietHours: { enabled: true, ...u.quietHours } } : {}),
    ...(u.workingHours ? { workingHours: { enabled: true, ...u.workingHours } } : {}),
  });
  return { ...preferencesPatchSchema.parse(patch), updatedAt: now };
}

function auctionDocuments(a: Seed['auctions'][number]): SeedWrite[] {
  const bids = [...a.bids].sort((x, y) => x.at.getTime() - y.at.getTime());
  const top = bids.at(-1);
  return [
    {
      path: seedPaths.auction(a.auctionId),
      data: withoutUndefined({
        sellerId: a.sellerId,
        title: a.title,
        currency: a.currency,
        startPrice: a.startPrice,
        endsAt: a.endsAt,
        status: 'open',
        watcherIds: a.watcherIds,
        bidCount: bids.length,
        highBid: top ? { bidderId: top.bidderId, amount: top.amount, at: top.at } : undefined,
      }),
    },
    ...bids.map((b, i) => ({
      path: seedPaths.bid(a.auctionId, `bid_${String(i + 1).padStart(3, '0')}`),
      data: { bidderId: b.bidderId, amount: b.amount, currency: a.currency, at: b.at },
    })),
    ...a.watcherIds.map((uid) => ({
      path: audiencePaths.watcher(a.auctionId, uid),
      data: { uid, since: bids[0]?.at ?? a.endsAt },
    })),
  ];
}

/** The message document id the messaging feature derives from sender and clientMessageId. */
export const seedMessageId = (senderId: string, seedId: string) => messageIdFor(senderId, seedId);

function conversationDocuments(c: SeedConversation, users: readonly SeedUser[]): SeedWrite[] {
  const sorted = [...c.messages].sort((x, y) => x.at.getTime() - y.at.getTime());
  const first = sorted[0];
  const last = sorted.at(-1);
  const createdAt = first ? new Date(first.at.getTime() - 60 * 60 * 1000) : new Date('2026-11-01T00:00:00Z');
  const owner = Object.entries(c.roles).find(([, role]) => role === 'owner')?.[0] ?? c.memberIds[0]!;
  const ids = new Map(c.messages.map((m) => [m.id, seedMessageId(m.senderId, m.id)]));

  const messages = sorted.map((m) => {
    const data = messageSchema.parse(
      withoutUndefined({
        type: m.type,
        text: m.text,
        attachments: m.attachments,
        materialSpec: m.materialSpec,
        technique: m.technique,
        workshop: m.workshop,
        replyTo: m.replyTo ? ids.get(m.replyTo) : undefined,
        clientMessageId: m.id,
        senderId: m.senderId,
        createdAt: m.at,
      }),
    );
    return {
      path: paths.message(c.conversationId, ids.get(m.id)!),
      data: withoutUndefined(data),
      message: data,
      at: m.at,
    };
  });
  const lastMessage = last ? messages.at(-1)! : undefined;

  const conversation: Conversation = {
    type: c.type,
    title: c.type === 'group' ? (c.title ?? null) : null,
    photo: null,
    memberIds: [...c.memberIds],
    lastMessage: lastMessage
      ? {
          messageId: ids.get(last!.id)!,
          senderId: lastMessage.message.senderId,
          type: lastMessage.message.type,
          preview: previewOf(lastMessage.message),
          createdAt: lastMessage.at,
        }
      : null,
    lastMessageAt: lastMessage?.at ?? null,
    settings: { announcementOnly: c.settings?.announcementOnly ?? false, e2ee: false },
    pinnedMessageIds: [],
    createdAt,
    createdBy: owner,
  };
  // Sequence numbers as onMessageCreated gives them (issue 14): 1, 2, 3, … in creation order, none for system messages,
  // so unread counts come from `lastMessageSeq − lastReadSeq` for seeded members too, not from the legacy count.
  const seqOf = new Map<string, number>();
  for (const m of sorted) if (m.type !== 'system') seqOf.set(m.id, seqOf.size + 1);
  if (seqOf.size > 0) conversation.lastMessageSeq = seqOf.size;

  const members = c.memberIds.map((uid) => {
    const member = newMember(uid, c.roles[uid]!, createdAt, publicProfileOf(users.find((u) => u.uid === uid)), 0);
    // Each member has read up to their own last message (a read position is a prefix of the numbering: everything
    // numbered up to it); what others sent after it is unread. `unreadCount` is the same count in the legacy model's
    // field, which unreadOf ignores once `lastReadSeq` is set; it stays for readers of that field.
    const ownLastIndex = sorted.findLastIndex((m) => m.senderId === uid);
    const ownLast = sorted[ownLastIndex];
    const lastReadAt = ownLast?.at ?? createdAt;
    const lastReadSeq = sorted.slice(0, ownLastIndex + 1).filter((m) => seqOf.has(m.id)).length;
    const unreadCount = sorted.filter((m) => m.senderId !== uid && m.at.getTime() > lastReadAt.getTime()).length;
    return {
      path: paths.member(c.conversationId, uid),
      data: { ...member, lastReadAt, lastReadSeq, ownSeqs: [], unreadCount } as DocData,
    };
  });

  // Processed markers (the messaging trigger's idempotency record): seeded history is already counted and notified,
  // so the trigger firing on the seed (in the emulators or the local run) updates nothing and pushes nobody.
  // The shape onMessageCreated writes: the number the message holds, nobody's position moved, nothing to push.
  const markers = sorted.map((m) => ({
    path: processedMarker(c.conversationId, ids.get(m.id)!),
    data: {
      seq: seqOf.get(m.id) ?? null,
      advanced: [],
      published: true,
      pushedTo: [],
      pipelineRecipients: [],
      at: m.at,
      expireAt: new Date(m.at.getTime() + 7 * 24 * 60 * 60 * 1000),
    },
  }));

  return [
    { path: paths.conversation(c.conversationId), data: conversation as unknown as DocData },
    ...members,
    ...markers,
    ...messages.map(({ path, data }) => ({ path, data })),
  ];
}

/** Auth users with their role claims, for the Auth emulator. */
export function seedAuthUsers(seed: Seed): SeedAuthUser[] {
  return seed.users.map((u) => ({
    uid: u.uid,
    displayName: u.displayName,
    ...(u.email ? { email: u.email, password: SEED_PASSWORD } : {}),
    emailVerified: u.emailVerified,
    ...(u.phone && u.phoneVerified ? { phoneNumber: u.phone } : {}),
    customClaims: Object.fromEntries(u.roles.map((role) => [role, true])) as Partial<Record<Role, true>>,
  }));
}

/** Firestore rejects `undefined` field values; optional fields are left out instead. */
function withoutUndefined<T extends object>(value: T): DocData {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
