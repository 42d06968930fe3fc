import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ROLES } from '../domain/caller.js';
import { preferencesPatchSchema } from '../domain/notifications/preferences.js';
import {
  MESSAGE_TYPES,
  attachmentSchema,
  materialSpecSchema,
  techniqueSchema,
  workshopSchema,
} from '../domain/messaging/message.js';

/**
 * The shape of emulator-seed/*.json: what a person writes by hand. Validated with zod so a typo in the seed fails
 * with the file and field named, before anything is written. `seedDocuments` turns it into documents.
 */

const uid = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, _ or -');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)');
const instant = z.iso.datetime().transform((s) => new Date(s));
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone');

export const seedUserSchema = z.object({
  uid,
  displayName: z.string().min(1).max(100),
  kind: z.enum(['creator', 'collector']),
  timeZone,
  locale: z.string().min(2),
  /** Custom claims for Firebase Auth (admin, compliance, service). */
  roles: z.array(z.enum(ROLES)).default([]),
  quietHours: z.object({ start: hhmm, end: hhmm }).optional(),
  /** ISO weekdays (1 = Monday … 7 = Sunday) and local hours when a creator takes non-critical notifications. */
  workingHours: z.object({ days: z.array(z.number().int().min(1).max(7)).min(1), start: hhmm, end: hhmm }).optional(),
  /** Anything else the user chose in their notification settings, as the pipeline stores it (a patch over defaults). */
  preferences: preferencesPatchSchema.optional(),
  email: z.email().optional(),
  emailVerified: z.boolean().default(false),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be E.164')
    .optional(),
  phoneVerified: z.boolean().default(false),
});

export const seedDeviceSchema = z.object({
  uid,
  deviceId: uid,
  token: z.string().min(1),
  platform: z.enum(['ios', 'android', 'web']),
  appVersion: z.string().min(1),
  locale: z.string().min(2),
});

export const seedFollowSchema = z.object({ creatorId: uid, followerIds: z.array(uid) });

export const seedAuctionSchema = z.object({
  auctionId: uid,
  sellerId: uid,
  title: z.string().min(1).max(200),
  currency: z.string().regex(/^[A-Z]{3}$/),
  startPrice: z.number().nonnegative(),
  endsAt: instant,
  watcherIds: z.array(uid),
  bids: z.array(z.object({ bidderId: uid, amount: z.number().positive(), at: instant })),
});

export const seedOrderSchema = z.object({
  orderId: uid,
  buyerId: uid,
  sellerId: uid,
  item: z.string().min(1).max(200),
  amount: z.number().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  status: z.enum(['confirmed', 'shipped', 'delivered', 'payment_failed', 'refunded']),
  carrier: z.string().optional(),
  trackingNumber: z.string().optional(),
});

export const seedMessageSchema = z.object({
  id: uid,
  senderId: uid,
  type: z.enum(MESSAGE_TYPES),
  text: z.string().optional(),
  attachments: z.array(attachmentSchema).optional(),
  materialSpec: materialSpecSchema.optional(),
  technique: techniqueSchema.optional(),
  workshop: workshopSchema.optional(),
  replyTo: uid.optional(),
  at: instant,
});

export const seedConversationSchema = z.object({
  conversationId: uid,
  type: z.enum(['direct', 'group']),
  title: z.string().min(1).max(200).optional(),
  memberIds: z.array(uid).min(2),
  roles: z.record(uid, z.enum(['owner', 'admin', 'member'])),
  settings: z.object({ announcementOnly: z.boolean() }).optional(),
  messages: z.array(seedMessageSchema),
});

export const seedSchema = z.object({
  users: z.array(seedUserSchema).min(1),
  devices: z.array(seedDeviceSchema),
  follows: z.array(seedFollowSchema),
  auctions: z.array(seedAuctionSchema),
  orders: z.array(seedOrderSchema),
  conversations: z.array(seedConversationSchema),
});

export type Seed = z.infer<typeof seedSchema>;
export type SeedUser = Seed['users'][number];
export type SeedConversation = Seed['conversations'][number];

export const SEED_FILES = ['users', 'devices', 'follows', 'auctions', 'orders', 'conversations'] as const;

/** The repo's emulator-seed/ folder, from wherever this module runs (src/ under tsx, lib/ once built). */
export const DEFAULT_SEED_DIR = resolve(__dirname, '..', '..', '..', 'emulator-seed');

export class SeedError extends Error {
  override name = 'SeedError';
}

/** Reads and validates every seed file; errors name the file and the field (`users.json[3].phone: must be E.164`). */
export async function readSeed(dir: string = DEFAULT_SEED_DIR): Promise<Seed> {
  const raw: Record<string, unknown> = {};
  for (const name of SEED_FILES) {
    const file = join(dir, `${name}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new SeedError(`cannot read ${file}: ${(error as Error).message}`);
    }
    try {
      raw[name] = JSON.parse(text) as unknown;
    } catch (error) {
      throw new SeedError(`${name}.json is not valid JSON: ${(error as Error).message}`);
    }
  }
  return parseSeed(raw);
}

/** Validates seed content: shapes (zod) and references between files (every uid a declared user, …). */
export function parseSeed(raw: unknown): Seed {
  const parsed = seedSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SeedError(
      parsed.error.issues
        .slice(0, 10)
        .map((i) => `${fieldName(i.path)}: ${i.message}`)
        .join('\n'),
    );
  }
  const problems = crossReferenceProblems(parsed.data);
  if (problems.length > 0) throw new SeedError(problems.join('\n'));
  return parsed.data;
}

function fieldName(path: readonly PropertyKey[]): string {
  const [file, ...rest] = path;
  return `${String(file)}.json${rest.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
}

function crossReferenceProblems(seed: Seed): string[] {
  const problems: string[] = [];
  const users = new Set<string>();
  for (const [i, u] of seed.users.entries()) {
    if (users.has(u.uid)) problems.push(`users.json[${i}].uid: duplicate uid ${u.uid}`);
    users.add(u.uid);
  }
  const known = (where: string, id: string) => {
    if (!users.has(id)) problems.push(`${where}: unknown user ${id}`);
  };
  seed.devices.forEach((d, i) => known(`devices.json[${i}].uid`, d.uid));
  seed.follows.forEach((f, i) => {
    known(`follows.json[${i}].creatorId`, f.creatorId);
    f.followerIds.forEach((id, j) => known(`follows.json[${i}].followerIds[${j}]`, id));
  });
  seed.auctions.forEach((a, i) => {
    known(`auctions.json[${i}].sellerId`, a.sellerId);
    a.watcherIds.forEach((id, j) => known(`auctions.json[${i}].watcherIds[${j}]`, id));
    a.bids.forEach((b, j) => known(`auctions.json[${i}].bids[${j}].bidderId`, b.bidderId));
  });
  seed.orders.forEach((o, i) => {
    known(`orders.json[${i}].buyerId`, o.buyerId);
    known(`orders.json[${i}].sellerId`, o.sellerId);
  });
  seed.conversations.forEach((c, i) => {
    const where = `conversations.json[${i}]`;
    c.memberIds.forEach((id, j) => known(`${where}.memberIds[${j}]`, id));
    for (const id of Object.keys(c.roles))
      if (!c.memberIds.includes(id)) problems.push(`${where}.roles.${id}: not a member`);
    for (const id of c.memberIds) if (!c.roles[id]) problems.push(`${where}.roles: no role for member ${id}`);
    if (c.type === 'direct' && c.memberIds.length !== 2)
      problems.push(`${where}.memberIds: a direct conversation has exactly 2 members`);
    const ids = new Set<string>();
    c.messages.forEach((m, j) => {
      if (!c.memberIds.includes(m.senderId))
        problems.push(`${where}.messages[${j}].senderId: ${m.senderId} is not a member`);
      if (m.replyTo && !ids.has(m.replyTo))
        problems.push(`${where}.messages[${j}].replyTo: no earlier message ${m.replyTo}`);
      if (ids.has(m.id)) problems.push(`${where}.messages[${j}].id: duplicate message id ${m.id}`);
      ids.add(m.id);
    });
  });
  return problems;
}
