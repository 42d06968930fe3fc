/** Document paths shared across features. Feature-specific paths live next to their repositories. */
export const paths = {
  user: (uid: string) => `users/${uid}`,
  users: () => 'users',
  event: (eventId: string) => `events/${eventId}`,
  delivery: (deliveryId: string) => `deliveries/${deliveryId}`,
  conversation: (cid: string) => `conversations/${cid}`,
  auditLog: () => 'auditLog',
  auditEntry: (id: string) => `auditLog/${id}`,
} as const;
