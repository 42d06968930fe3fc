import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock, DocumentStore, WriteOp } from '../../ports.js';
import type { Caller } from '../../domain/caller.js';
import { paths } from '../../domain/paths.js';
import { permissionDenied } from '../../domain/errors.js';
import { docId, localeTag } from '../../domain/validation.js';
import { hashedId } from '../../domain/ids.js';

export const PLATFORMS = ['ios', 'android', 'web'] as const;

export const registerDeviceSchema = z.strictObject({
  /** The FCM registration token (FCM tokens are ~150–250 characters, no spaces or control characters). */
  token: z
    .string()
    .min(20)
    .max(4096)
    .regex(/^[\x21-\x7e]+$/, 'must be an FCM registration token'),
  platform: z.enum(PLATFORMS),
  appVersion: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII'),
  locale: localeTag(),
  /** The app's own installation id; defaults to one derived from the token. */
  deviceId: docId('a device id').optional(),
  /**
   * Proof that the caller holds this device: the secret the server returned (once) when the token was first
   * registered. Needed only to move a token that another account registered (see DeviceRegistry).
   */
  deviceSecret: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be the deviceSecret this app received')
    .optional(),
});
export type RegisterDevice = z.infer<typeof registerDeviceSchema>;

export const unregisterDeviceSchema = z.union([
  z.strictObject({ deviceId: docId('a device id') }),
  z.strictObject({ token: z.string().min(20).max(4096) }),
]);

export interface Device {
  deviceId: string;
  token: string;
  platform: (typeof PLATFORMS)[number];
  appVersion: string;
  locale: string;
  lastSeenAt: Date;
  createdAt: Date;
}

const tokenDeviceId = (token: string) => hashedId(token, { length: 32, prefix: 't_' });
const secretHashOf = (secret: string) => createHash('sha256').update(`device-secret:${secret}`).digest('hex');
const sameHash = (a: unknown, b: string) =>
  typeof a === 'string' && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const ownerOf = (devicePath: string) => devicePath.split('/')[1];

/**
 * `users/{uid}/devices/{deviceId}`: where a user's pushes go. A token lives in exactly one place: registering it again
 * (same app reinstalled under a new id, or another account signing in on the same phone) moves it there, so nobody
 * receives someone else's alerts and nobody gets the same push twice.
 *
 * Moving a token away from another account needs proof that the caller holds the device, or anyone who learned a
 * token (a log line, a shared screenshot, a former device) could take another user's pushes away. The proof is a
 * device secret: the first registration of a token returns `deviceSecret` (256 random bits, base64url), once; the app
 * keeps it on the device (Keychain / Keystore / IndexedDB) next to the token, for whichever account signs in there.
 * The server stores only its SHA-256 (`secretHash`). Registering a token that another account holds succeeds only
 * with that secret; the registration then moves, secret and all. Without it (or for a registration made before
 * secrets existed) the call is refused and nothing changes: the other account keeps its registration until it
 * unregisters, FCM reports the token dead, or the token rotates. The same account re-registering needs no proof.
 * Why not a challenge push? It needs a round trip through FCM and a visible notification on iOS; the secret proves
 * the same thing (this app installation registered the token) in one call.
 */
export class DeviceRegistry {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  /**
   * The caller's device: a user registers and unregisters only her own (the device documents live under her uid);
   * moving a token another account holds needs the proof above.
   */
  async register(
    caller: Pick<Caller, 'uid'>,
    input: RegisterDevice,
  ): Promise<{ deviceId: string; deviceSecret?: string }> {
    const { uid } = caller;
    const deviceId = input.deviceId ?? tokenDeviceId(input.token);
    const now = this.clock.now();
    const path = paths.device(uid, deviceId);
    const holders = await this.store.queryGroup('devices', { where: [['token', '==', input.token]] });
    const others = holders.filter((snap) => ownerOf(snap.path) !== uid);
    const presented = input.deviceSecret ? secretHashOf(input.deviceSecret) : undefined;
    if (others.length > 0) {
      if (!presented)
        throw permissionDenied(
          'data.deviceSecret: this device token is registered to another account; send the deviceSecret this app received when it registered the token',
        );
      if (!others.every((snap) => sameHash(snap.data?.secretHash, presented)))
        throw permissionDenied('data.deviceSecret: does not prove this device');
    }
    // Elsewhere the same token is registered: those registrations are stale (proven above when they are another account's).
    const stale: WriteOp[] = holders
      .filter((snap) => snap.path !== path)
      .map((snap) => ({ kind: 'delete', path: snap.path }));
    const ownHash = holders.find((snap) => ownerOf(snap.path) === uid && typeof snap.data?.secretHash === 'string')
      ?.data?.secretHash as string | undefined;
    const minted = presented || ownHash ? undefined : randomBytes(32).toString('base64url');
    const secretHash = presented ?? ownHash ?? secretHashOf(minted!);
    await this.store.transaction(async (tx) => {
      const existing = await tx.get(path);
      tx.set(path, {
        deviceId,
        token: input.token,
        platform: input.platform,
        appVersion: input.appVersion,
        locale: input.locale,
        secretHash,
        lastSeenAt: now,
        createdAt: (existing.data?.createdAt as Date | undefined) ?? now,
      });
    });
    if (stale.length > 0) await this.store.commit(stale);
    return { deviceId, ...(minted ? { deviceSecret: minted } : {}) };
  }

  async unregister(
    caller: Pick<Caller, 'uid'>,
    target: { deviceId: string } | { token: string },
  ): Promise<{ removed: number }> {
    const { uid } = caller;
    if ('deviceId' in target) {
      const snap = await this.store.get(paths.device(uid, target.deviceId));
      if (!snap.exists) return { removed: 0 };
      await this.store.delete(snap.path);
      return { removed: 1 };
    }
    return { removed: await this.removeToken(uid, target.token) };
  }

  list(uid: string): Promise<Device[]> {
    return this.store.query(paths.devices(uid)).then((snaps) => snaps.map((snap) => snap.data as unknown as Device));
  }

  /** Token hygiene: FCM said this token is dead. */
  async removeToken(uid: string, token: string): Promise<number> {
    const snaps = await this.store.query(paths.devices(uid), { where: [['token', '==', token]] });
    if (snaps.length > 0) await this.store.commit(snaps.map((snap) => ({ kind: 'delete' as const, path: snap.path })));
    return snaps.length;
  }
}
