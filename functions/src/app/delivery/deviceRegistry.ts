import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock, DocumentStore, WriteOp } from '../../ports.js';
import { paths } from '../../domain/paths.js';

export const PLATFORMS = ['ios', 'android', 'web'] as const;

export const registerDeviceSchema = z.object({
  /** The FCM registration token (FCM tokens are ~150–250 characters). */
  token: z.string().min(20).max(4096),
  platform: z.enum(PLATFORMS),
  appVersion: z.string().min(1).max(40),
  locale: z.string().min(2).max(35),
  /** The app's own installation id; defaults to one derived from the token. */
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/).optional(),
});
export type RegisterDevice = z.infer<typeof registerDeviceSchema>;

export const unregisterDeviceSchema = z.union([
  z.object({ deviceId: z.string().min(1).max(128) }),
  z.object({ token: z.string().min(20).max(4096) }),
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

const tokenDeviceId = (token: string) => `t_${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;

/**
 * `users/{uid}/devices/{deviceId}`: where a user's pushes go. A token lives in exactly one place: registering it again
 * (same app reinstalled under a new id, or another account signing in on the same phone) moves it there, so nobody
 * receives someone else's alerts and nobody gets the same push twice.
 */
export class DeviceRegistry {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async register(uid: string, input: RegisterDevice): Promise<{ deviceId: string }> {
    const deviceId = input.deviceId ?? tokenDeviceId(input.token);
    const now = this.clock.now();
    const path = paths.device(uid, deviceId);
    // Elsewhere the same token is registered (any user): those registrations are stale.
    const holders = await this.store.queryGroup('devices', { where: [['token', '==', input.token]] });
    const stale: WriteOp[] = holders.filter((snap) => snap.path !== path).map((snap) => ({ kind: 'delete', path: snap.path }));
    await this.store.transaction(async (tx) => {
      const existing = await tx.get(path);
      tx.set(path, {
        deviceId,
        token: input.token,
        platform: input.platform,
        appVersion: input.appVersion,
        locale: input.locale,
        lastSeenAt: now,
        createdAt: (existing.data?.createdAt as Date | undefined) ?? now,
      });
    });
    if (stale.length > 0) await this.store.commit(stale);
    return { deviceId };
  }

  async unregister(uid: string, target: { deviceId: string } | { token: string }): Promise<{ removed: number }> {
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
