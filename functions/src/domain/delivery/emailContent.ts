import type { DeliveryJob } from '../delivery.js';
import { NOTIFICATION_CATEGORY } from '../notifications/plans.js';
import type { NotificationType } from '../notifications/plans.js';
import { TemplateError, renderNotification } from '../notifications/templates.js';

/** An email ready for `finishEmail`: subject, HTML and plain text, the unsubscribe link still a slot. */
export type EmailContent = { ok: true; subject: string; html: string; text: string } | { ok: false; reason: string };

/**
 * Renders with the same inputs give the same email: the jobs of one fan-out message (up to 500 followers) share one
 * template per locale and count, so one render serves them all. Bounded: a long-lived instance keeps only the latest.
 */
const CACHE_SIZE = 64;
const cache = new Map<string, { html: string; text: string }>();

/**
 * The email a job sends: as carried (rendered HTML: digests, and jobs published before compact emails), or rendered
 * now from its reference (`content.email.template`, src/domain/delivery.ts) exactly as the pipeline would have. A
 * reference that no longer renders (a type this version does not know, a variable its template lacks) is a reason for
 * the delivery record, not a retry: it would fail the same way every time.
 */
export function emailOf(job: DeliveryJob): EmailContent | undefined {
  const email = job.content.email;
  if (!email) return undefined;
  if (!('template' in email)) return { ok: true, subject: email.subject, html: email.html, text: email.text };
  if (!Object.hasOwn(NOTIFICATION_CATEGORY, job.type)) return { ok: false, reason: 'email-unknown-type' };
  const { vars, count, url } = email.template;
  const key = JSON.stringify([job.type, job.locale, count, url, vars]);
  let rendered = cache.get(key);
  if (!rendered) {
    try {
      const r = renderNotification(job.type as NotificationType, vars, { locale: job.locale, count, url }).email;
      rendered = { html: r.html, text: r.text };
    } catch (error) {
      if (error instanceof TemplateError) return { ok: false, reason: 'email-render-failed' };
      throw error;
    }
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, rendered);
  }
  return { ok: true, subject: email.subject, ...rendered };
}
