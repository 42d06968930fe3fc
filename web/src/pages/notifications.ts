import { paths, type NotificationDoc } from '@craft/client';
import {
  collection,
  limit,
  onSnapshot,
  orderBy,
  query,
  where,
  type CollectionReference,
  type QueryConstraint,
} from 'firebase/firestore';
import { clear, errorBox, h, when } from '../dom';
import { api, db } from '../firebase';
import type { PageContext } from '../main';
import { probe } from '../probe';

type Filter = 'all' | 'unread' | NotificationDoc['category'];
const FILTERS: Filter[] = ['all', 'unread', 'commerce', 'community', 'social', 'messaging'];

/**
 * The notification center: a live listener on users/{uid}/notifications with exactly the filters the rules and
 * indexes serve (archived == false, then category or read, ordered by sortKey). Reads and archives go through the
 * callables, which keep the badge counter exact.
 */
export function notificationsPage(root: HTMLElement, { user }: PageContext) {
  let filter: Filter = 'all';
  let stop = () => {};
  const list = h('ul', { class: 'list', 'data-testid': 'notifications' });
  const status = h('div', {});
  const chips = h('div', { class: 'chips' });

  const act = async (what: () => Promise<unknown>) => {
    status.replaceChildren();
    try {
      await what();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  };

  function listen() {
    stop();
    clear(
      chips,
      ...FILTERS.map((f) =>
        h(
          'button',
          {
            class: f === filter ? 'chip on' : 'chip',
            'data-testid': `filter-${f}`,
            onclick: () => ((filter = f), listen()),
          },
          f,
        ),
      ),
    );
    const constraints: QueryConstraint[] = [where('archived', '==', false)];
    if (filter === 'unread') constraints.push(where('read', '==', false));
    else if (filter !== 'all') constraints.push(where('category', '==', filter));
    const ref = collection(db, paths.notifications(user.uid)) as CollectionReference<NotificationDoc>;
    stop = onSnapshot(
      query(ref, ...constraints, orderBy('sortKey', 'desc'), limit(50)),
      (snap) => {
        const now = Date.now();
        for (const d of snap.docs) probe.notificationsSeen[d.id] ??= now;
        clear(
          list,
          ...snap.docs.map((d) => {
            const n = d.data();
            return h(
              'li',
              {
                class: n.read ? 'item' : 'item unread',
                'data-testid': 'notification',
                'data-id': d.id,
                'data-type': n.type,
                'data-read': String(n.read),
              },
              h(
                'div',
                { class: 'grow' },
                h(
                  'div',
                  { class: 'title' },
                  n.title,
                  n.count > 1 ? h('span', { class: 'count' }, ` ×${n.count}`) : null,
                ),
                h('div', {}, n.body),
                h('div', { class: 'muted small' }, `${n.category} · ${n.type} · ${when(n.createdAt)}`),
              ),
              n.read
                ? null
                : h(
                    'button',
                    {
                      'data-testid': 'mark-read',
                      onclick: () => act(() => api.markNotificationsRead({ ids: [d.id] })),
                    },
                    'Mark read',
                  ),
              h(
                'button',
                {
                  class: 'secondary',
                  'data-testid': 'archive',
                  onclick: () => act(() => api.archiveNotifications({ ids: [d.id] })),
                },
                'Archive',
              ),
            );
          }),
        );
        if (snap.empty) list.append(h('li', { class: 'muted empty' }, 'Nothing here.'));
      },
      (error) => status.replaceChildren(errorBox(error)),
    );
  }

  root.replaceChildren(
    h(
      'section',
      {},
      h(
        'div',
        { class: 'row' },
        h('h1', { class: 'grow' }, 'Notifications'),
        h(
          'button',
          { 'data-testid': 'mark-all-read', onclick: () => act(() => api.markAllNotificationsRead({})) },
          'Mark all read',
        ),
      ),
      chips,
      status,
      list,
    ),
  );
  listen();
  return () => stop();
}
