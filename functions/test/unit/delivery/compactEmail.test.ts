import { describe, expect, it } from 'vitest';
import { deliveryJobSchema } from '../../../src/domain/delivery.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';
import { emailOf } from '../../../src/domain/delivery/emailContent.js';
import { UNSUBSCRIBE_SLOT } from '../../../src/domain/email/render.js';
import { planRecipient } from '../../../src/domain/notifications/recipientPlan.js';
import type { PlannedNotification } from '../../../src/domain/notifications/plans.js';
import { renderNotification } from '../../../src/domain/notifications/templates.js';
import { NOW, deliveryWorld, job, queued } from '../../support/delivery.js';

/**
 * Issue 14: a notification's email job carries what renders it (type and locale on the job; vars, count and url),
 * not its ~20 kB of HTML; channel delivery renders it at send time. Jobs that carry rendered HTML (digests, and jobs
 * published before) still go out as they are.
 */

const spotlight: PlannedNotification = {
  type: 'community.creator_spotlight',
  category: 'community',
  priority: 'medium',
  critical: false,
  vars: { creatorName: 'Kai <Studio>', headline: 'Raku night' },
  data: { spotlightId: 's1', creatorId: 'kai', link: '/spotlights/s1' },
  groupKey: 'community.creator_spotlight:s1',
};

function plannedEmailJob(locale = 'de', count = 1): DeliveryJob {
  const plan = planRecipient({
    eventId: 'evt1',
    uid: 'u1',
    locale,
    notification: spotlight,
    decisions: [{ channel: 'email', action: 'send' }],
    inAppAllowed: false,
    contact: { emailVerified: true, phoneVerified: false },
    burst: count > 1 ? { notificationId: 'n0', count: count - 1, windowEndsAt: new Date(NOW) } : undefined,
    webAppUrl: 'https://craft.example',
    now: new Date(NOW),
  });
  return plan.jobs[0]!;
}

describe('compact email jobs', () => {
  it('the pipeline plans the email by reference: no HTML in the job, a few hundred bytes of JSON', () => {
    const j = plannedEmailJob('de', 3);
    expect(j.content.email).toEqual({
      subject: expect.any(String),
      template: { vars: spotlight.vars, count: 3, url: 'https://craft.example/spotlights/s1' },
    });
    expect(JSON.stringify(j)).not.toContain('<html');
    expect(JSON.stringify(j).length).toBeLessThan(1_000);
    expect(deliveryJobSchema.parse(JSON.parse(JSON.stringify(j)))).toEqual(j);
  });

  it('renders at send time exactly what the pipeline would have rendered', () => {
    for (const [locale, count] of [
      ['de', 1],
      ['ar-EG', 4],
      ['en', 2],
    ] as const) {
      const j = deliveryJobSchema.parse(JSON.parse(JSON.stringify(plannedEmailJob(locale, count))));
      const expected = renderNotification(spotlight.type, spotlight.vars, {
        locale,
        count,
        url: 'https://craft.example/spotlights/s1',
      }).email;
      expect(emailOf(j)).toEqual({ ok: true, ...expected });
      expect(expected.html).toContain(UNSUBSCRIBE_SLOT);
    }
  });

  it('validates exactly: one form or the other, nothing else rides along', () => {
    const base = plannedEmailJob();
    const withEmail = (email: unknown) => ({ ...base, content: { email } });
    const template = { vars: { a: 'b' }, count: 1, url: 'https://craft.example/x' };
    expect(deliveryJobSchema.safeParse(withEmail({ subject: 's', html: '<p>h</p>', text: 't' })).success).toBe(true);
    expect(deliveryJobSchema.safeParse(withEmail({ subject: 's', template })).success).toBe(true);
    expect(deliveryJobSchema.safeParse(withEmail({ subject: 's', template, extra: 1 })).success).toBe(false);
    expect(deliveryJobSchema.safeParse(withEmail({ subject: 's', text: 't' })).success).toBe(false);
    expect(deliveryJobSchema.safeParse(withEmail({ subject: 's', template: { ...template, count: 0 } })).success).toBe(
      false,
    );
    expect(
      deliveryJobSchema.safeParse(withEmail({ subject: 's', template: { ...template, vars: { a: 1 } } })).success,
    ).toBe(false);
  });

  it('a reference that no longer renders is a reason on the record, not a retry', () => {
    const j = plannedEmailJob();
    expect(emailOf({ ...j, type: 'no.such_type' })).toEqual({ ok: false, reason: 'email-unknown-type' });
    expect(
      emailOf({
        ...j,
        content: { email: { subject: 's', template: { vars: {}, count: 1, url: 'https://x.example' } } },
      }),
    ).toEqual({ ok: false, reason: 'email-render-failed' });
  });

  it('the email channel sends a compact job rendered, with its unsubscribe link in place', async () => {
    const { services, store, providers } = await deliveryWorld();
    const planned = plannedEmailJob('de');
    const j = job('email', { type: planned.type, category: 'community', locale: 'de', content: planned.content });
    await queued(store, j);
    await services.delivery.channels.handle('email', j);
    const mail = providers.email.sent[0]!;
    expect(mail.subject).toBe(planned.content.email!.subject);
    expect(mail.html).toContain('Kai &lt;Studio&gt;');
    expect(mail.html).toContain('lang="de"');
    expect(mail.html).not.toContain(UNSUBSCRIBE_SLOT);
    const url = /^<(.+)>$/.exec(mail.headers['List-Unsubscribe']!)![1]!;
    expect(mail.html).toContain(url.replaceAll('&', '&amp;'));
    expect(mail.text).toContain(url);
    const record = (await store.get(`deliveries/${j.deliveryId}`)).data!;
    expect(record.status).toBe('sent');
  });

  it('a job published before (rendered HTML) still goes out as it is', async () => {
    const { services, store, providers } = await deliveryWorld();
    const j = job('email');
    await queued(store, j);
    await services.delivery.channels.handle('email', j);
    expect(providers.email.sent[0]!.html).toBe('<p>Walnut bowl is on its way</p>');
  });
});
