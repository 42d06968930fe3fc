import type { Clock, Logger } from '../../ports.js';
import type { Category } from '../../domain/channels.js';
import { CATEGORIES } from '../../domain/channels.js';
import { verifyUnsubscribeToken } from '../../domain/delivery/unsubscribeToken.js';
import { unsubscribePages } from '../../domain/delivery/unsubscribePage.js';
import type { ProviderEvents } from './providerEvents.js';

export interface WebRequest {
  method: string;
  /** The `token` query parameter, if any. */
  queryToken: string | undefined;
  /** The urlencoded form of a POST ({} otherwise). */
  form: Record<string, string>;
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
 */
export class UnsubscribeEndpoint {
  constructor(
    private readonly deps: {
      events: Pick<ProviderEvents, 'unsubscribe'>;
      key: () => string;
      clock: Clock;
      logger: Logger;
    },
  ) {}

  async handle(request: WebRequest): Promise<WebAnswer> {
    const token = request.queryToken ?? request.form.token ?? '';
    const check = verifyUnsubscribeToken(token, this.deps.key(), this.deps.clock.now());
    if (!check.ok)
      return html(check.reason === 'expired' ? 410 : 403, unsubscribePages.invalid(check.reason === 'expired'));
    const { uid, category } = check.claims;
    if (request.method === 'GET') return html(200, unsubscribePages.confirm(token, category));
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
    return html(200, unsubscribePages.done(scope));
  }
}
