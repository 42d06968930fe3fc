/**
 * Document paths shared across features (the rules, the indexes and every feature agree on these).
 * Feature-private paths live next to their repositories.
 */
export const paths = {
  users: () => 'users',
  user: (uid: string) => `users/${uid}`,
  /**
   * Server-only account state (`{state: 'deleted' | 'disabled', at, by}`): outlives erasure, so an ID token that is
   * still valid after its account was deleted, or a profile re-created by that token, acts as no one.
   */
  accountState: (uid: string) => `accountStates/${uid}`,
  /** The user's notification preferences (one document). */
  preferences: (uid: string) => `users/${uid}/settings/notifications`,
  notifications: (uid: string) => `users/${uid}/notifications`,
  notification: (uid: string, id: string) => `users/${uid}/notifications/${id}`,
  /** Exact counters (e.g. `notifications` → {unread}); written only by the server. */
  counter: (uid: string, name: string) => `users/${uid}/counters/${name}`,
  devices: (uid: string) => `users/${uid}/devices`,
  device: (uid: string, deviceId: string) => `users/${uid}/devices/${deviceId}`,
  /** End-to-end encryption public keys, one per device. */
  key: (uid: string, deviceId: string) => `users/${uid}/keys/${deviceId}`,
  block: (uid: string, otherUid: string) => `users/${uid}/blocks/${otherUid}`,
  events: () => 'events',
  event: (eventId: string) => `events/${eventId}`,
  deliveries: () => 'deliveries',
  delivery: (deliveryId: string) => `deliveries/${deliveryId}`,
  conversations: () => 'conversations',
  conversation: (cid: string) => `conversations/${cid}`,
  member: (cid: string, uid: string) => `conversations/${cid}/members/${uid}`,
  /** A member's read position (`{lastReadAt}`), which the unread counting reads and only reads write. */
  readPosition: (cid: string, uid: string) => `conversations/${cid}/reads/${uid}`,
  messages: (cid: string) => `conversations/${cid}/messages`,
  message: (cid: string, mid: string) => `conversations/${cid}/messages/${mid}`,
  typing: (cid: string, uid: string) => `conversations/${cid}/typing/${uid}`,
  moderationQueue: () => 'moderationQueue',
  auditLog: () => 'auditLog',
  auditEntry: (id: string) => `auditLog/${id}`,
  exports: () => 'exports',
  exportJob: (id: string) => `exports/${id}`,
} as const;
