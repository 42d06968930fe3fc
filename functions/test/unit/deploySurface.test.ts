import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The built deploy surface (lib/index.js, what Cloud Functions loads) imports without initialising anything, and
 * exports exactly these functions, each of the expected trigger kind. Add a line when you add a function.
 */
const EXPECTED: Record<string, string> = {
  onNotificationEventCreated: 'firestore:created:events/{eventId}',
  publishEvent: 'callable',
  notificationsDomainEvents: 'pubsub:domain-events',
  notificationsFanout: 'pubsub:notification-fanout',
  releaseNotificationDigests: 'schedule',
  getPreferences: 'callable',
  updatePreferences: 'callable',
  resetPreferences: 'callable',
  listNotifications: 'callable',
  getUnreadCount: 'callable',
  markNotificationsRead: 'callable',
  markAllNotificationsRead: 'callable',
  archiveNotifications: 'callable',
  unarchiveNotifications: 'callable',
  searchNotifications: 'callable',
  deleteNotifications: 'callable',
  searchIndexMessage: 'firestore:written:conversations/{cid}/messages/{mid}',
  searchSyncMembers: 'firestore:updated:conversations/{cid}',
  searchMessages: 'callable',
  getSearchKey: 'callable',
  exportConversation: 'callable',
  exportNotifications: 'callable',
  exportMyData: 'callable',
  renderPdfExport: 'firestore:created:exports/{exportId}',
  getUserProfile: 'callable',
  deleteMyAccount: 'callable',
  onAuthUserDeleted: 'auth:user.delete',
  retentionDaily: 'schedule',
  createDirectConversation: 'callable',
  createGroup: 'callable',
  updateGroup: 'callable',
  addMembers: 'callable',
  removeMember: 'callable',
  setRole: 'callable',
  leaveGroup: 'callable',
  transferOwnership: 'callable',
  pinMessage: 'callable',
  blockUser: 'callable',
  unblockUser: 'callable',
  markConversationRead: 'callable',
  sendMessage: 'callable',
  editMessage: 'callable',
  deleteMessage: 'callable',
  reportMessage: 'callable',
  decideModeration: 'callable',
  onMessageCreated: 'firestore:created:conversations/{cid}/messages/{mid}',
  onMessageUpdated: 'firestore:updated:conversations/{cid}/messages/{mid}',
  onUserProfileUpdated: 'firestore:updated:users/{uid}',
  deliverPush: 'pubsub:deliver-push',
  deliverSms: 'pubsub:deliver-sms',
  deliverEmail: 'pubsub:deliver-email',
  sweepStuckDeliveries: 'schedule',
  registerDevice: 'callable',
  unregisterDevice: 'callable',
  startPhoneVerification: 'callable',
  checkPhoneVerification: 'callable',
  twilioStatus: 'https',
  twilioInbound: 'https',
  sendgridEvents: 'https',
  unsubscribe: 'https',
  setAccountDisabled: 'callable',
  syncAccountStates: 'schedule',
  refreshEmailStatus: 'callable',
  onUserProfileWritten: 'firestore:written:users/{uid}',
  setStaffRoles: 'callable',
  analyticsOnDeliveryWritten: 'firestore:written:deliveries/{deliveryId}',
  analyticsOnInAppWritten: 'firestore:written:users/{uid}/notifications/{notificationId}',
  analyticsOnEventCreated: 'firestore:created:events/{eventId}',
  follow: 'callable',
  unfollow: 'callable',
  orderStatusOnEventWritten: 'firestore:written:events/{eventId}',
  scheduleNotification: 'callable',
  cancelScheduledNotification: 'callable',
  rescheduleNotification: 'callable',
  remindersOnEventWritten: 'firestore:written:events/{eventId}',
  releaseScheduledNotifications: 'schedule',
  sendAnnouncement: 'callable',
  cancelAnnouncement: 'callable',
  activityOnFollowingWritten: 'firestore:written:users/{uid}/following/{creatorId}',
  activityOnEventWritten: 'firestore:written:events/{eventId}',
  activityOnMessageCreated: 'firestore:created:conversations/{cid}/messages/{mid}',
  activityOnModerationWritten: 'firestore:written:moderationQueue/{itemId}',
  evaluateDeliveryAlerts: 'schedule',
  trackNotificationInteraction: 'callable',
  getDeliveryHealth: 'callable',
  getAnalyticsSummary: 'callable',
  setAlertRecipients: 'callable',
  defineExperiment: 'callable',
  stopExperiment: 'callable',
  getExperimentResults: 'callable',
};

const ALGOLIA = ['ALGOLIA_APP_ID', 'ALGOLIA_ADMIN_KEY', 'ALGOLIA_SEARCH_KEY'];
const TWILIO = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'];

/**
 * The secrets each function declares (Cloud Functions mounts only these): every function not listed declares none.
 * Loading the use cases lazily must not change what discovery reads.
 */
const SECRETS: Record<string, string[]> = {
  checkPhoneVerification: TWILIO,
  startPhoneVerification: TWILIO,
  deliverSms: TWILIO,
  twilioInbound: ['TWILIO_AUTH_TOKEN'],
  twilioStatus: ['TWILIO_AUTH_TOKEN'],
  deliverEmail: ['SENDGRID_API_KEY', 'UNSUBSCRIBE_SIGNING_KEY'],
  sendgridEvents: ['SENDGRID_WEBHOOK_PUBLIC_KEY'],
  unsubscribe: ['UNSUBSCRIBE_SIGNING_KEY'],
  deleteMyAccount: ALGOLIA,
  onAuthUserDeleted: ALGOLIA,
  retentionDaily: ALGOLIA,
  searchIndexMessage: ALGOLIA,
  searchMessages: ALGOLIA,
  searchSyncMembers: ALGOLIA,
  getSearchKey: ALGOLIA,
};

// vitest runs from functions/ (its config's folder).
const LIB = resolve('lib/index.js');
const INSPECT = resolve('test/support/inspectDeploySurface.cjs');

interface Inspection {
  exports: Record<string, string>;
  firebaseApps: number;
  secretsRead: string[];
  connections: string[];
  loadedSdks: string[];
  loadedLibraries: string[];
  endpoints: Record<string, { region?: string[]; secretEnvironmentVariables?: { key: string }[] }>;
  invoked?: { appModules: string[]; libraries: string[] };
}

describe('deploy surface (lib/index.js)', () => {
  let seen: Inspection;

  beforeAll(() => {
    if (!existsSync(LIB))
      throw new Error('lib/index.js is missing: `npm test` builds it first (or run `npm run build`)');
    seen = JSON.parse(execFileSync(process.execPath, [INSPECT, LIB], { encoding: 'utf8' })) as Inspection;
  });

  it('exports exactly the expected functions, each of the expected trigger kind', () => {
    expect(seen.exports).toEqual(EXPECTED);
  });

  it('initialises no Firebase app, opens no connection and reads no secret at import', () => {
    expect(seen.firebaseApps).toBe(0);
    expect(seen.connections).toEqual([]);
    expect(seen.secretsRead).toEqual([]);
  });

  it('does not load provider SDKs until a function needs them', () => {
    expect(seen.loadedSdks).toEqual([]);
  });

  it('loads no use-case library (zod, libphonenumber-js, luxon, obscenity, cockatiel) until a function is invoked', () => {
    expect(seen.loadedLibraries).toEqual([]);
  });

  it('declares each function in the region and with exactly the secrets it needs', () => {
    const declared = Object.fromEntries(
      Object.entries(seen.endpoints)
        .map(([name, e]) => [name, (e.secretEnvironmentVariables ?? []).map((v) => v.key)] as const)
        .filter(([, keys]) => keys.length > 0),
    );
    expect(declared).toEqual(SECRETS);
    for (const [name, e] of Object.entries(seen.endpoints)) expect([name, e.region]).toEqual([name, ['europe-west1']]);
  });
});

describe('one deployed function (FUNCTION_TARGET set)', () => {
  /** The surface as the instance of `target` loads it, then its first invocation (runtime.services()). */
  // The params a deployed function reads when it builds its use cases: .env.example's production-shaped values.
  const params = Object.fromEntries(
    readFileSync(resolve('.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.replace(/^"(.*)"$/, '$1')]),
  );
  const inspect = (target: string) =>
    JSON.parse(
      execFileSync(process.execPath, [INSPECT, LIB, 'invoke'], {
        encoding: 'utf8',
        env: { ...process.env, ...params, FUNCTION_TARGET: target, K_SERVICE: target.toLowerCase() },
      }),
    ) as Inspection;

  it("sendMessage's first invocation loads messaging's use cases only: no exports, search or notifications", () => {
    const seen = inspect('sendMessage');
    expect(seen.invoked?.appModules).toContain('messaging');
    for (const other of ['compliance', 'search', 'notifications', 'analytics', 'identity', 'accountAdmin'])
      expect(seen.invoked?.appModules).not.toContain(other);
    expect(seen.invoked?.libraries).toEqual([]);
    // Discovery and the emulator see the same surface either way.
    expect(seen.exports).toEqual(EXPECTED);
  });

  it("renderPdfExport's loads compliance and the search indexer it erases with, not messaging", () => {
    const seen = inspect('renderPdfExport');
    expect(seen.invoked?.appModules).toEqual(expect.arrayContaining(['compliance', 'search']));
    expect(seen.invoked?.appModules).not.toContain('messaging');
    expect(seen.invoked?.appModules).not.toContain('notifications');
  });
});
