export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** How old a signed post may be: a captured request replayed later is refused. */
export const SENDGRID_MAX_AGE_MS = 5 * 60_000;

/**
 * SendGrid signed event webhook: ECDSA (P-256, SHA-256) over timestamp + raw body, checked with @sendgrid/eventwebhook
 * against the verification key from Mail Settings. The timestamp must be recent, so an old post cannot be replayed.
 */
export async function isValidSendgridSignature(input: {
  publicKey: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now: Date;
}): Promise<boolean> {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(input.now.getTime() - Number(timestamp) * 1000) > SENDGRID_MAX_AGE_MS) return false;
  const { EventWebhook } = await import('@sendgrid/eventwebhook');
  const webhook = new EventWebhook();
  try {
    return webhook.verifySignature(
      webhook.convertPublicKeyToECDSA(input.publicKey),
      input.rawBody,
      signature,
      timestamp,
    );
  } catch {
    return false; // malformed signature or key
  }
}
