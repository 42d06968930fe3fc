/**
 * The sandbox providers' credentials. Not secrets: they open nothing but the local sandbox-providers process, and the
 * functions use them only in the Functions emulator with SANDBOX_PROVIDERS_URL set (see connect.ts), never in the
 * cloud, where every credential is a Secret Manager secret.
 */
export const SANDBOX_CREDENTIALS = {
  algolia: { appId: 'SANDBOXAPP', adminKey: 'sandbox-algolia-admin-key', searchKey: 'sandbox-algolia-search-key' },
  twilio: {
    accountSid: 'AC00000000000000000000000000sandbox',
    authToken: 'sandbox-twilio-auth-token',
    messagingServiceSid: 'MG00000000000000000000000000sandbox',
    verifyServiceSid: 'VA00000000000000000000000000sandbox',
    /** The code sandbox Verify "texts" to every number and accepts. */
    verifyCode: '123456',
  },
  sendgrid: { apiKey: 'SG.sandbox-sendgrid-key' },
  /** FCM: any Bearer token; the functions' sandbox app hands out this one without asking Google. */
  fcm: { accessToken: 'sandbox-fcm-access-token' },
  /** HMAC key of the unsubscribe links in sandbox emails. */
  unsubscribeKey: 'sandbox-unsubscribe-signing-key',
} as const;
