import type { Clock, Logger } from '../../ports.js';
import type { Category } from '../../domain/channels.js';
import { CATEGORIES } from '../../domain/channels.js';
import { verifyUnsubscribeToken } from '../../domain/delivery/unsubscribeToken.js';
import { localeFromAcceptLanguage, unsubscribePages } from '../../domain/delivery/unsubscribePage.js';
import type { ProviderEvents } from './providerEvents.js';
import type { ContactPoints } from './contactPoints.js';

export interface WebRequest {
  method: string;
  /** The `token` query parameter, if any. */
  queryToken: string | undefined;
  /** The urlencoded form of a POST ({} otherwise). */
  form: Record<string, string>;
  /** The browser's Accept-Language header: only the language of a page for a token that names nobody. */
  acceptLanguage?: string | undefined;
}

export interface WebAnswer {
  status: number;
  body: string;
  contentType: string;
}

const html = (status: number, body: string): WebAnswer => ({ status, body, contentType: 'text/html; charset=utf-8' });

/**
 * Email unsubscribe (the List-Unsubscribe target), authenticated by its HMAC token. GET shows a confirmation page and
 * changes nothing (mail scanners follow links); POST unsubscribes: the RFC 8058 one-click post
 * (`List-Unsubscribe=One-Click`) or the page's form (`scope=all` turns email off for every category).
 * Pages speak the language of the profile the verified token names (never a query parameter's word on who it is); a
 * refused token names nobody, so its page follows the browser's Accept-Language.
 */
export class UnsubscribeEndpoint {
  constructor(
    private readonly deps: {
      events: Pick<ProviderEvents, 'unsubscribe'>;
      contacts: Pick<ContactPoints, 'locale'>;
      key: () => string;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async handle(request: WebRequest): Promise<WebAnswer> {
    const token = request.queryToken ?? request.form.token ?? '';
    const check = verifyUnsubscribeToken(token, this.deps.key(), this.deps.clock.now());
    if (!check.ok) {
      const expired = check.reason === 'expired';
      return html(
        expired ? 410 : 403,
        unsubscribePages.invalid(expired, localeFromAcceptLanguage(request.acceptLanguage)),
      );
    }
    const { uid, category } = check.claims;
    // An erased profile has no language left: English.
    const locale = await this.deps.contacts.locale(uid);
    if (request.method === 'GET') return html(200, unsubscribePages.confirm(token, category, locale));
    if (request.method !== 'POST')
      return { status: 405, body: 'method not allowed', contentType: 'text/plain; charset=utf-8' };
    const asked = request.form.scope;
    const scope: Category | 'all' =
      asked === 'all'
        ? 'all'
        : (CATEGORIES as readonly string[]).includes(asked ?? '')
          ? (asked as Category)
          : category;
    await this.deps.events.unsubscribe(uid, scope);
    this.deps.logger.info('email unsubscribe', {
      uid,
      scope,
      oneClick: request.form['List-Unsubscribe'] === 'One-Click',
    });
    return html(200, unsubscribePages.done(scope, locale));
  }
}
