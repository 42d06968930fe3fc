/**
 * X-Twilio-Signature check with the twilio helper (HMAC-SHA1 over the full public URL and the sorted POST params,
 * keyed with the auth token). The URL must be the one Twilio called: a signature for another URL does not verify.
 */
export async function isValidTwilioSignature(input: {
  authToken: string;
  signature: string | undefined;
  url: string;
  params: Record<string, string>;
}): Promise<boolean> {
  if (!input.signature) return false;
  const twilio = (await import('twilio')).default;
  return twilio.validateRequest(input.authToken, input.signature, input.url, input.params);
}
