import type { ProviderChannel } from '../channels.js';
import { formatMessage } from '../i18n/format.js';
import type { ChannelDecision } from '../notifications/routing.js';
import type { PlannedNotification } from '../notifications/plans.js';
import { renderer } from '../notifications/recipientPlan.js';
import type { Rendered } from '../notifications/templates.js';
import { LIMITS, smsText } from '../notifications/templates.js';
import type { Variant } from './experiments.js';
import { assignVariant } from './experiments.js';

/**
 * Applying an experiment's content where a notification is rendered for one recipient (issue 19). The running
 * experiment of a type (`experimentsActive/{type}`) or, once stopped with a roll-out, the winner's content
 * (`notificationOverrides/{type}`) decides the title, the body and the provider channels a user's notification uses.
 * The variant is the one `assignVariant` gives the user, the same hash the analytics counter uses when it counts the
 * delivery's exposure (once per delivery, on its marker), so what is counted is what was sent.
 */
export interface ContentOverride {
  experimentId?: string;
  variant?: string;
  title?: string;
  body?: string;
  channels?: readonly ProviderChannel[];
}

/** The two documents of a type, as read (undefined: absent). */
export interface ExperimentDocs {
  active: Record<string, unknown> | undefined;
  override: Record<string, unknown> | undefined;
}

export function contentForUser(uid: string, docs: ExperimentDocs): ContentOverride | undefined {
  const running = docs.active as { status?: string; experimentId?: string; variants?: Variant[] } | undefined;
  if (running?.status === 'running' && running.experimentId && running.variants?.length) {
    const id = assignVariant(running.experimentId, uid, running.variants);
    const v = running.variants.find((x) => x.id === id)!;
    return strip({
      experimentId: running.experimentId,
      variant: v.id,
      title: v.title,
      body: v.body,
      channels: v.channels,
    });
  }
  const o = docs.override as { title?: string; body?: string; channels?: ProviderChannel[] } | undefined;
  return o ? strip({ title: o.title, body: o.body, channels: o.channels }) : undefined;
}

function strip(c: ContentOverride): ContentOverride | undefined {
  const out = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as ContentOverride;
  return out.title || out.body || out.channels ? out : undefined;
}

/**
 * The variant's channel mix: provider channels it leaves out are suppressed (reason `experiment`) before rate limits
 * are reserved, so no allowance is spent on them; the in-app center is not a channel experiments take away.
 */
export function applyChannelMix(
  decisions: readonly ChannelDecision[],
  content: ContentOverride | undefined,
): ChannelDecision[] {
  const mix = content?.channels;
  if (!mix) return [...decisions];
  return decisions.map((d): ChannelDecision =>
    d.channel !== 'inApp' && d.action !== 'suppress' && !mix.includes(d.channel)
      ? { channel: d.channel, action: 'suppress', reason: 'experiment' }
      : d,
  );
}

/**
 * The variant's title and body in place of the template's, in the in-app center, the push, the SMS (its opt-out line
 * kept) and the email subject (the email body stays the template's: it is rendered at send time from the type).
 * Variant texts may name the notification's variables (`{auctionTitle}`); a text that does not parse is used as is.
 */
export function applyContent(
  rendered: Rendered,
  content: ContentOverride | undefined,
  vars: Readonly<Record<string, string>>,
  locale: string,
): Rendered {
  if (!content?.title && !content?.body) return rendered;
  const fill = (text: string) => {
    try {
      return formatMessage(
        text,
        locale,
        (name) => vars[name] ?? `{${name}}`,
        (name) => Number(vars[name] ?? 0),
      );
    } catch {
      return text;
    }
  };
  const title = content.title ? fill(content.title) : rendered.title;
  const body = content.body ? fill(content.body) : rendered.body;
  const cut = (text: string, max: number) =>
    [...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;
  const optOut = rendered.sms.body.split('\n').pop() ?? '';
  return {
    ...rendered,
    title: cut(title, LIMITS.inAppTitle),
    body: cut(body, LIMITS.inAppBody),
    push: { ...rendered.push, title: cut(title, LIMITS.pushTitle), body: cut(body, LIMITS.pushBody) },
    sms: { ...rendered.sms, body: smsText(`${title}: ${body}`, optOut) },
    email: { ...rendered.email, subject: title },
  };
}

/** A recipient's renderer with the content applied (planRecipient's `render`), or undefined for the template's own. */
export function contentRenderer(
  notification: PlannedNotification,
  webAppUrl: string,
  content: ContentOverride | undefined,
): ((locale: string, count: number) => Rendered) | undefined {
  if (!content?.title && !content?.body) return undefined;
  const render = renderer(notification, webAppUrl);
  return (locale, count) => applyContent(render(locale, count), content, notification.vars, locale);
}
