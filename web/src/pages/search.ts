import { clear, errorBox, h, when } from '../dom';
import { api } from '../firebase';
import type { PageContext } from '../main';

/** Message search through the searchMessages callable, which always limits hits to conversations the caller is in. */
export function searchPage(root: HTMLElement, _ctx: PageContext) {
  const q = h('input', { type: 'search', placeholder: 'Search your messages', 'data-testid': 'search-query' });
  const results = h('div', { 'data-testid': 'search-results' });
  let alive = true;
  const search = async (event: Event) => {
    event.preventDefault();
    clear(results, h('p', { class: 'muted' }, 'Searching…'));
    try {
      const answer = await api.searchMessages({ query: q.value.trim(), hitsPerPage: 20 });
      if (!alive) return;
      clear(
        results,
        h(
          'p',
          { class: 'muted small', 'data-testid': 'search-count', 'data-hits': String(answer.nbHits) },
          `${answer.nbHits} result(s)`,
          answer.degraded ? ' (index down: this conversation only)' : '',
        ),
        h(
          'ul',
          { class: 'list' },
          ...answer.hits.map((hit) =>
            h(
              'li',
              {
                class: 'item',
                'data-testid': 'search-hit',
                'data-conversation': hit.conversationId,
                'data-message': hit.messageId,
              },
              h(
                'a',
                { href: `#/conversations/${encodeURIComponent(hit.conversationId)}`, class: 'grow' },
                h('div', {}, hit.text || hit.attachmentNames.join(', ') || hit.type),
                h(
                  'div',
                  { class: 'muted small' },
                  `${hit.senderName} · ${when(new Date(hit.createdAt).toISOString())}`,
                ),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      if (alive) clear(results, errorBox(error));
    }
  };
  root.replaceChildren(
    h(
      'section',
      {},
      h('h1', {}, 'Search'),
      h(
        'form',
        { class: 'row', onsubmit: search },
        q,
        h('button', { type: 'submit', 'data-testid': 'search-go' }, 'Search'),
      ),
      results,
    ),
  );
  return () => {
    alive = false;
  };
}
