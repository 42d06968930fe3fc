import { z } from 'zod';
import { defineContracts } from '../contract.js';
import type { ErrorCase } from '../contract.js';

/** The device and phone callables' answers and errors (deviceRegistry.ts, phoneVerification.ts, where the inputs are). */

const PROVIDER: readonly ErrorCase[] = [
  {
    code: 'resource-exhausted',
    when: 'Twilio Verify throttles the number or the caller (details.retryAfterSeconds when known)',
  },
  { code: 'unavailable', when: 'Twilio Verify is unreachable: try again shortly' },
  { code: 'invalid-argument', when: 'Twilio refuses the number (`data.phone`)' },
];

export const deliveryContracts = defineContracts({
  registerDevice: {
    summary:
      "Registers the caller's FCM token for push (again: refreshes lastSeenAt). Keep `deviceSecret` when one comes back: " +
      'it proves the device if the token must later move to another account.',
    who: 'own data',
    output: z.strictObject({ deviceId: z.string(), deviceSecret: z.string().optional() }),
    errors: [
      {
        code: 'permission-denied',
        when: 'the token is registered to another account and `deviceSecret` is missing or does not prove this device',
      },
    ],
  },
  unregisterDevice: {
    summary: 'Removes a device by `deviceId` or `token` (sign-out); `removed` is 0 when there was none.',
    who: 'own data',
    output: z.strictObject({ removed: z.number().int() }),
    errors: [],
  },
  startPhoneVerification: {
    summary: 'Sends a Twilio Verify code to the number (parsed to E.164).',
    who: 'a permanent, email-verified account',
    output: z.strictObject({ phone: z.string(), status: z.string() }),
    errors: [
      {
        code: 'resource-exhausted',
        when: 'a code was requested for this caller or number within the last minute, or 5 today (details.retryAfterSeconds)',
      },
      ...PROVIDER,
    ],
  },
  checkPhoneVerification: {
    summary:
      "Checks the code; on success the number becomes the caller's verified phone (the only kind that gets SMS).",
    who: 'a permanent, email-verified account',
    output: z.union([
      z.strictObject({ verified: z.literal(true), phone: z.string() }),
      z.strictObject({ verified: z.literal(false) }),
    ]),
    errors: [
      { code: 'failed-precondition', when: 'no verification in progress: call startPhoneVerification first' },
      ...PROVIDER,
    ],
  },
});
