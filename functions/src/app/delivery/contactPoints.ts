import type { Clock, DocumentStore } from '../../ports.js';
import { paths } from '../../domain/paths.js';
import { canonicalLocale } from '../../domain/validation.js';

/**
 * A provider-supplied address as one document id: `%` and `/` are percent-encoded (an address with a slash would
 * otherwise address another document), as are the ids `.` and `..`; everything else is kept, so ids of ordinary
 * addresses are what they always were.
 */
function addressId(address: string): string {
  const id = address.replace(/%/g, '%25').replace(/\//g, '%2F');
  return id === '.' || id === '..' ? id.replace(/\./g, '%2E') : id;
}
/** Numbers that texted STOP; the key is the E.164 number, so an opt-out outlives a change of account. */
export const smsOptOutPath = (e164: string) => `smsOptOuts/${addressId(e164)}`;
/** Addresses that bounced or reported spam; the key is the lower-cased address. */
export const emailSuppressionPath = (email: string) => `emailSuppressions/${addressId(email.trim().toLowerCase())}`;

export interface UserContact {
  phone?: string;
  phoneVerified: boolean;
  email?: string;
  emailVerified: boolean;
  timeZone: string;
}

function localeOf(data: Record<string, unknown> | undefined): string | undefined {
  return typeof data?.locale === 'string' ? canonicalLocale(data.locale) : undefined;
}

/**
 * Where a user can be reached, and where they must not be: only verified numbers and addresses, never an opted-out
 * number or a suppressed address.
 */
export class ContactPoints {
  constructor(
    private readonly store: DocumentStore,
    private readonly clock: Clock,
  ) {}

  async contact(uid: string): Promise<UserContact | undefined> {
    const data = (await this.store.get(paths.user(uid))).data;
    if (!data) return undefined;
    return {
      phone: typeof data.phone === 'string' ? data.phone : undefined,
      phoneVerified: data.phoneVerified === true,
      email: typeof data.email === 'string' ? data.email : undefined,
      emailVerified: data.emailVerified === true,
      timeZone: typeof data.timeZone === 'string' ? data.timeZone : 'UTC',
    };
  }

  /** The profile's language (BCP 47, canonical), or undefined: no profile, or a tag that is not one. */
  async locale(uid: string): Promise<string | undefined> {
    return localeOf((await this.store.get(paths.user(uid))).data);
  }

  /**
   * The language of whoever holds this number, for replies to a text from it (HELP): the verified profiles with it
   * (phone verification writes \`phone\` only after Twilio Verify approved it, so an unverified claim says nothing).
   * Undefined when nobody or profiles of different languages hold it: a reply must not guess between two people.
   */
  async localeOfPhone(e164: string): Promise<string | undefined> {
    const holders = await this.store.query('users', { where: [['phone', '==', e164]], limit: 10 });
    const locales = new Set(
      holders.filter((doc) => doc.data?.phoneVerified === true).map((doc) => localeOf(doc.data) ?? 'en'),
    );
    return locales.size === 1 ? [...locales][0] : undefined;
  }

  async isSmsOptedOut(e164: string): Promise<boolean> {
    return (await this.store.get(smsOptOutPath(e164))).data?.optedOut === true;
  }

  async setSmsOptOut(e164: string, optedOut: boolean, source: string): Promise<void> {
    await this.store.set(
      smsOptOutPath(e164),
      { phone: e164, optedOut, source, updatedAt: this.clock.now() },
      { merge: true },
    );
  }

  async isEmailSuppressed(email: string): Promise<boolean> {
    return (await this.store.get(emailSuppressionPath(email))).exists;
  }

  async suppressEmail(email: string, reason: string, deliveryId?: string): Promise<void> {
    await this.store.set(
      emailSuppressionPath(email),
      {
        email: email.trim().toLowerCase(),
        reason,
        ...(deliveryId ? { deliveryId } : {}),
        at: this.clock.now(),
      },
      { merge: true },
    );
  }

  /** The in-app unread count, shown as the APNs badge (the pipeline keeps it exact in users/{uid}/counters/notifications). */
  async unreadCount(uid: string): Promise<number> {
    const unread = (await this.store.get(paths.counter(uid, 'notifications'))).data?.unread;
    return typeof unread === 'number' && unread > 0 ? unread : 0;
  }
}
