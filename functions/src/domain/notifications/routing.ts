import { PROVIDER_CHANNELS } from '../channels.js';
import type { Channel, ProviderChannel } from '../channels.js';
import { isTimeCritical } from './plans.js';
import type { PlannedNotification } from './plans.js';
import type { EffectivePreferences } from './preferences.js';
import { inWindow, nextDigestTime, nextLocalTime } from './schedule.js';

/**
 * Per recipient and channel: preferences → quiet hours → working hours → (rate limits, applied by the caller
 * against the counters) → send now, hold for a digest, or suppress. Pure and synchronous: everything it needs is
 * passed in, so every time-zone case is a plain unit test.
 */

export type HoldReason = 'quiet_hours' | 'outside_working_hours' | 'digest' | 'grouped';
/** `grouped`: the SMS of a time-critical burst after its first: the burst's first text told them already. */
/** `experiment`: an A/B variant's channel mix leaves the channel out (src/domain/analytics/experimentContent.ts). */
export type SuppressReason = 'unverified_phone' | 'unverified_email' | 'rate_limited' | 'grouped' | 'experiment';

export type ChannelDecision =
  | { channel: Channel; action: 'send' }
  | { channel: ProviderChannel; action: 'batch'; reason: HoldReason; releaseAt: Date }
  | { channel: ProviderChannel; action: 'suppress'; reason: SuppressReason };

export interface RecipientContext {
  prefs: EffectivePreferences;
  timeZone: string;
  emailVerified: boolean;
  phoneVerified: boolean;
  now: Date;
  /**
   * Set while a burst of the same group is in progress (the window's end). Outbound channels wait for it to close,
   * except for time-critical types (plans.ts `isTimeCritical`), which collapse on the device instead (`burstChannel`).
   */
  burstUntil?: Date;
}

/** Order matters: the first decision that sends on a provider channel is the primary one for critical fallback. */
export const ROUTING_ORDER: readonly Channel[] = ['inApp', 'push', 'sms', 'email'];

export function decideChannels(notification: PlannedNotification, ctx: RecipientContext): ChannelDecision[] {
  const pref = ctx.prefs.types[notification.type];
  if (pref.frequency === 'off') return [];
  const decisions: ChannelDecision[] = [];
  for (const channel of ROUTING_ORDER) {
    if (!pref.channels[channel]) continue;
    // The in-app center is silent: it always receives the notification at once (rate limits aside).
    if (channel === 'inApp') {
      decisions.push({ channel, action: 'send' });
      continue;
    }
    if (channel === 'sms' && !ctx.phoneVerified) {
      decisions.push({ channel, action: 'suppress', reason: 'unverified_phone' });
      continue;
    }
    if (channel === 'email' && !ctx.emailVerified) {
      decisions.push({ channel, action: 'suppress', reason: 'unverified_email' });
      continue;
    }
    const hold = holdUntil(notification, ctx);
    if (hold) decisions.push({ channel, action: 'batch', ...hold });
    else decisions.push(burstChannel(channel, notification, ctx) ?? { channel, action: 'send' });
  }
  return decisions;
}

/**
 * A time-critical notification that may leave now, inside an open burst of its group (its 2nd, 3rd… within the
 * window): what each outbound channel does instead of waiting for the window to close.
 * - push: sends at once; its collapse key (the group's) makes it replace the burst's earlier push on the device, and
 *   it carries the grouped text ("3 new bids on …"). Undefined here: the plain `send`.
 * - SMS: suppressed (`grouped`). The burst's first text said it; three texts in ten seconds about one auction are
 *   noise a phone cannot collapse, and each would spend the daily SMS limit. A burst after the window texts again.
 * - email: held to the window's end, then one grouped email for the rest of the burst (the digest release), as for
 *   every burst before: an inbox does not collapse either, and an email is not read within seconds.
 */
function burstChannel(
  channel: ProviderChannel,
  notification: PlannedNotification,
  ctx: RecipientContext,
): ChannelDecision | undefined {
  if (!ctx.burstUntil || !(ctx.burstUntil > ctx.now) || !isTimeCritical(notification)) return undefined;
  if (channel === 'sms') return { channel, action: 'suppress', reason: 'grouped' };
  if (channel === 'email') return { channel, action: 'batch', reason: 'grouped', releaseAt: ctx.burstUntil };
  return undefined;
}

/** When (and why) an outbound notification must wait; undefined when it may leave now. */
export function holdUntil(
  notification: PlannedNotification,
  ctx: RecipientContext,
): { reason: HoldReason; releaseAt: Date } | undefined {
  const { prefs, timeZone: zone, now } = ctx;
  const quiet = prefs.quietHours;
  const inQuiet = quiet.enabled && inWindow(now, zone, quiet.start, quiet.end);
  if (notification.critical) {
    // Critical ones ignore working hours, digests and bursts; quiet hours only if the user did not let them through.
    if (inQuiet && !quiet.breakThrough[notification.type])
      return { reason: 'quiet_hours', releaseAt: nextLocalTime(now, zone, quiet.end) };
    return undefined;
  }
  // Several rules may hold it; it leaves when all of them allow, i.e. at the latest release.
  const holds: Array<{ reason: HoldReason; releaseAt: Date }> = [];
  // A time-critical burst never waits for its window (burstChannel); the user's own rules below still apply.
  if (ctx.burstUntil && ctx.burstUntil > now && !isTimeCritical(notification))
    holds.push({ reason: 'grouped', releaseAt: ctx.burstUntil });
  if (inQuiet) holds.push({ reason: 'quiet_hours', releaseAt: nextLocalTime(now, zone, quiet.end) });
  const work = prefs.workingHours;
  if (work.enabled && !inWindow(now, zone, work.start, work.end, work.days)) {
    holds.push({ reason: 'outside_working_hours', releaseAt: nextLocalTime(now, zone, work.start, work.days) });
  }
  const frequency = prefs.types[notification.type].frequency;
  if (frequency !== 'instant' && frequency !== 'off') {
    holds.push({ reason: 'digest', releaseAt: nextDigestTime(now, zone, frequency, prefs.digestAt) });
  }
  return holds.reduce<{ reason: HoldReason; releaseAt: Date } | undefined>(
    (latest, hold) => (!latest || hold.releaseAt > latest.releaseAt ? hold : latest),
    undefined,
  );
}

/**
 * Critical notifications fall back across channels: if the primary channel cannot reach the user (push failed, no
 * device), delivery tries these in order. A fallback channel is one without a job of its own whose contact point is
 * verified and that is not over its limit; it need not be switched on for the type, because reaching the user is what
 * makes the alert critical. Opt-outs (STOP, suppressions) are checked again when the fallback is sent.
 */
export function fallbackChannels(
  decisions: readonly ChannelDecision[],
  primary: ProviderChannel,
  contact: { phoneVerified: boolean; emailVerified: boolean },
): ProviderChannel[] {
  // Over its limit, or the later SMS of a burst whose first was texted: not spent again as a fallback either.
  const taken = new Set(
    decisions
      .filter((d) => d.action !== 'suppress' || d.reason === 'rate_limited' || d.reason === 'grouped')
      .map((d) => d.channel),
  );
  const usable: Record<ProviderChannel, boolean> = {
    push: true,
    sms: contact.phoneVerified,
    email: contact.emailVerified,
  };
  return PROVIDER_CHANNELS.filter((c) => c !== primary && !taken.has(c) && usable[c]);
}
