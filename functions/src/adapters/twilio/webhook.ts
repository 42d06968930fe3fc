import type { z } from 'zod';
import type { WebhookParse, WebhookRequest } from '../../ports.js';
import { describeIssues } from '../../domain/validation.js';
import { isValidTwilioSignature } from './signature.js';

/** Twilio posts form fields, signed with X-Twilio-Signature over the public URL it called and the sorted fields. */
export async function verifiedForm(
  request: WebhookRequest,
  authToken: () => string,
): Promise<Record<string, string> | undefined> {
  if (request.method !== 'POST') return undefined;
  const params = Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
  const valid = await isValidTwilioSignature({
    authToken: authToken(),
    signature: request.headers['x-twilio-signature'],
    url: request.url,
    params,
  });
  return valid ? params : undefined;
}

export const FORBIDDEN: WebhookParse = { ok: false, status: 403, message: 'forbidden' };

/** The signed fields against the schema: a 400 naming the field, never a half-read post. */
export function formFields<S extends z.ZodType>(
  schema: S,
  params: Record<string, string>,
): { ok: true; data: z.output<S> } | { ok: false; status: 400; message: string } {
  const result = schema.safeParse(params);
  return result.success
    ? { ok: true, data: result.data }
    : { ok: false, status: 400, message: describeIssues('body', result.error) };
}
