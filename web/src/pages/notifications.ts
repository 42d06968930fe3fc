import {
  paths,
  type CounterDoc,
  type GetUnreadCountOutput,
  type ListNotificationsInput,
  type ListNotificationsOutput,
  type NotificationDoc,
} from '@craft/client';
import {
  collection,
  doc,
  limit,
  onSnapshot,
  orderBy,
  query,
  where,
  type CollectionReference,
  type DocumentReference,
  type QueryConstraint,
  type Timestamp,
} from 'firebase/firestore';
import { clear, errorBox, h, when } from '../dom';
import { api, db } from '../firebase';
import type { PageContext } from '../main';
import { probe } from '../probe';

type Category = NotificationDoc['category'];
type NotificationType = NotificationDoc['type'];
type Filter = 'all' | 'unread' | Category;
type View = 'inbox' | 'archived';
const CATEGORIES: Category[] = ['commerce', 'community', 'social', 'messaging'];
const FILTERS: Filter[] = ['all', 'unread', ...CATEGORIES];
// Every notification type, checked complete against the generated union: a type the backend adds fails the build.
const TYPE_SET: Record<NotificationType, true> = {
  'auction.bid_placed': true,
  'auction.outbid': true,
  'auction.ending_soon': true,
  'auction.won': true,
  'auction.sold': true,
  'order.placed': true,
  'order.purchase_confirmed': true,
  'order.new_sale': true,
  'order.processing': true,
  'order.shipped': true,
  'order.delivered': true,
  'order.sale_delivered': true,
  'order.payment_failed': true,
  'order.cancelled': true,
  'order.sale_cancelled': true,
  'order.refunded': true,
  'order.sale_refunded': true,
  'social.new_follower': true,
  'social.new_listing': true,
  'social.story_comment': true,
  'commerce.craft_inquiry': true,
  'commerce.commission_request': true,
  'community.creator_spotlight': true,
  'community.craft_challenge': true,
  'community.event': true,
  'community.event_starting_soon': true,
  'messaging.new_message': true,
  'reminder.due': true,
  'system.announcement': true,
  'ops.delivery_alert': true,
};
const TYPES = Object.keys(TYPE_SET) as NotificationType[];
const PAGE = 50;

/** What one row shows: a listener's document (Timestamps) or a callable's item (ISO strings). */
type Item = Pick<NotificationDoc, 'type' | 'category' | 'title' | 'body' | 'count' | 'read' | 'archived'> & {
  id: string;
  createdAt: Timestamp | string;
};

/**
 * The notification center. The inbox and the Archived view are live listeners on users/{uid}/notifications with
 * exactly the filters the rules and indexes serve (archived == false|true, then category or read, by sortKey). A type
 * filter goes through `listNotifications` (type, with read for "unread"), and the search box through
 * `searchNotifications`: both are pages answered once, so the page loads them again when the counter moves or after an
 * action. Reads, archives and unarchives go through the callables, which keep the counters exact; the per-category
 * unread counts are `getUnreadCount`'s `byCategory`, asked again whenever the counter document changes.
 */
export function notificationsPage(root: HTMLElement, { user }: PageContext) {
  let view: View = 'inbox';
  let filter: Filter = 'all';
  let type: NotificationType | '' = '';
  let search = '';
  let stop = () => {};
  // Answers from an older load (the user changed the filter meanwhile) are dropped.
  let generation = 0;
  const list = h('ul', { class: 'list', 'data-testid': 'notifications' });
  const status = h('div', {});
  const views = h('div', { class: 'chips' });
  const chips = h('div', { class: 'chips', 'data-testid': 'filters' });
  const more = h('div', {});
  const found = h('div', { class: 'muted small' });
  const unreadBy: Record<Category, number> = { commerce: 0, community: 0, social: 0, messaging: 0 };

  const act = async (what: () => Promise<unknown>) => {
    status.replaceChildren();
    try {
      await what();
      // The listeners follow by themselves; a page answered once is asked again.
      if (type || search) load();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  };

  const typeSelect = h(
    'select',
    {
      'data-testid': 'filter-type',
      onchange: () => {
        type = typeSelect.value as NotificationType | '';
        // listNotifications takes a type or a category, not both: a type replaces a category filter.
        if (type && filter !== 'all' && filter !== 'unread') filter = 'all';
        load();
      },
    },
    h('option', { value: '' }, 'All types'),
    ...TYPES.map((t) => h('option', { value: t }, t)),
  );
  const searchBox = h('input', {
    type: 'search',
    placeholder: 'Search notifications…',
    'data-testid': 'notification-search',
  });
  const searchForm = h(
    'form',
    {
      class: 'row',
      onsubmit: (e: Event) => {
        e.preventDefault();
        search = searchBox.value.trim();
        load();
      },
    },
    searchBox,
    h('button', { type: 'submit', 'data-testid': 'notification-search-go' }, 'Search'),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-testid': 'notification-search-clear',
        onclick: () => {
          searchBox.value = '';
          search = '';
          load();
        },
      },
      'Clear',
    ),
  );

  function renderControls() {
    clear(
      views,
      ...(['inbox', 'archived'] as View[]).map((v) =>
        h(
          'button',
          {
            class: v === view ? 'chip on' : 'chip',
            'data-testid': `view-${v}`,
            onclick: () => ((view = v), load()),
          },
          v === 'inbox' ? 'Inbox' : 'Archived',
        ),
      ),
    );
    clear(
      chips,
      ...FILTERS.map((f) => {
        const n = f === 'all' || f === 'unread' ? null : unreadBy[f];
        return h(
          'button',
          {
            class: f === filter ? 'chip on' : 'chip',
            'data-testid': `filter-${f}`,
            onclick: () => {
              filter = f;
              if (f !== 'all' && f !== 'unread') type = '';
              load();
            },
          },
          f,
          n === null
            ? null
            : h(
                'span',
                { class: 'badge', 'data-testid': `category-unread-${f}`, 'data-unread': String(n), hidden: n === 0 },
                String(n),
              ),
        );
      }),
    );
    typeSelect.value = type;
  }

  function render(items: Item[], source: 'live' | 'type' | 'search') {
    list.dataset.source = source;
    list.dataset.view = view;
    list.dataset.state = 'ready';
    clear(
      list,
      ...items.map((n) =>
        h(
          'li',
          {
            class: n.read ? 'item' : 'item unread',
            'data-testid': 'notification',
            'data-id': n.id,
            'data-type': n.type,
            'data-category': n.category,
            'data-read': String(n.read),
          },
          h(
            'div',
            { class: 'grow' },
            h('div', { class: 'title' }, n.title, n.count > 1 ? h('span', { class: 'count' }, ` ×${n.count}`) : null),
            h('div', {}, n.body),
            h('div', { class: 'muted small' }, `${n.category} · ${n.type} · ${when(n.createdAt)}`),
          ),
          n.read
            ? null
            : h(
                'button',
                {
                  'data-testid': 'mark-read',
                  onclick: () => act(() => api.markNotificationsRead({ ids: [n.id] })),
                },
                'Mark read',
              ),
          n.archived
            ? h(
                'button',
                {
                  class: 'secondary',
                  'data-testid': 'unarchive',
                  onclick: () => act(() => api.unarchiveNotifications({ ids: [n.id] })),
                },
                'Unarchive',
              )
            : h(
                'button',
                {
                  class: 'secondary',
                  'data-testid': 'archive',
                  onclick: () => act(() => api.archiveNotifications({ ids: [n.id] })),
                },
                'Archive',
              ),
        ),
      ),
    );
    if (!items.length) list.append(h('li', { class: 'muted empty' }, search ? 'No match.' : 'Nothing here.'));
  }

  function load() {
    stop();
    stop = () => {};
    const mine = ++generation;
    renderControls();
    status.replaceChildren();
    clear(more);
    clear(found);
    list.dataset.state = 'loading';
    if (search) return void page(mine, 'search', (cursor) => loadSearch(cursor));
    if (type) return void page(mine, 'type', (cursor) => loadType(cursor));
    listen(mine);
  }

  const loadSearch = (cursor?: string) =>
    api.searchNotifications({
      query: search,
      archived: view === 'archived',
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    });
  const loadType = (cursor?: string) => {
    const input: ListNotificationsInput = {
      type: type as NotificationType,
      archived: view === 'archived',
      limit: PAGE,
      ...(filter === 'unread' ? { read: false } : {}),
      ...(cursor ? { cursor } : {}),
    };
    return api.listNotifications(input);
  };

  /** A callable's pages: the first now, the next on "More" (a search page may be short while more remain). */
  async function page(
    mine: number,
    source: 'type' | 'search',
    fetch: (cursor?: string) => Promise<Pick<ListNotificationsOutput, 'items' | 'nextCursor'> & { scanned?: number }>,
  ) {
    const items: Item[] = [];
    let scanned = 0;
    const next = async (cursor?: string) => {
      try {
        const answer = await fetch(cursor);
        if (mine !== generation) return;
        items.push(...answer.items);
        scanned += answer.scanned ?? 0;
        render(items, source);
        if (source === 'search')
          found.replaceChildren(
            h(
              'span',
              { 'data-testid': 'notification-search-count', 'data-count': String(items.length) },
              `${items.length} found for “${search}” (${scanned} read)`,
            ),
          );
        clear(
          more,
          answer.nextCursor
            ? h(
                'button',
                { class: 'secondary', 'data-testid': 'more', onclick: () => void next(answer.nextCursor!) },
                'More',
              )
            : null,
        );
      } catch (error) {
        if (mine === generation) status.replaceChildren(errorBox(error));
      }
    };
    await next();
  }

  function listen(mine: number) {
    const constraints: QueryConstraint[] = [where('archived', '==', view === 'archived')];
    if (filter === 'unread') constraints.push(where('read', '==', false));
    else if (filter !== 'all') constraints.push(where('category', '==', filter));
    const ref = collection(db, paths.notifications(user.uid)) as CollectionReference<NotificationDoc>;
    stop = onSnapshot(
      query(ref, ...constraints, orderBy('sortKey', 'desc'), limit(PAGE)),
      (snap) => {
        if (mine !== generation) return;
        const now = Date.now();
        for (const d of snap.docs) probe.notificationsSeen[d.id] ??= now;
        render(
          snap.docs.map((d) => ({ id: d.id, ...d.data() })),
          'live',
        );
      },
      (error) => status.replaceChildren(errorBox(error)),
    );
  }

  // Per-category unread counts: asked of getUnreadCount whenever the counter document moves (the server changes the
  // total and the category counts in the same write), one call at a time, again if it moved during a call.
  let asking = false;
  let askAgain = false;
  async function refreshCounts() {
    if (asking) return void (askAgain = true);
    asking = true;
    try {
      do {
        askAgain = false;
        const counts: GetUnreadCountOutput = await api.getUnreadCount({});
        Object.assign(unreadBy, counts.byCategory);
      } while (askAgain);
      chips.dataset.counts = 'ready';
      renderControls();
      // A page answered once (type filter, search) may now be out of date.
      if (type || search) load();
    } catch (error) {
      status.replaceChildren(errorBox(error));
    } finally {
      asking = false;
    }
  }
  const stopCounter = onSnapshot(
    doc(db, paths.notificationCounter(user.uid)) as DocumentReference<CounterDoc>,
    () => void refreshCounts(),
    (error) => status.replaceChildren(errorBox(error)),
  );

  root.replaceChildren(
    h(
      'section',
      {},
      h(
        'div',
        { class: 'row' },
        h('h1', { class: 'grow' }, 'Notifications'),
        searchForm,
        h(
          'button',
          { 'data-testid': 'mark-all-read', onclick: () => act(() => api.markAllNotificationsRead({})) },
          'Mark all read',
        ),
      ),
      views,
      h('div', { class: 'row' }, chips, h('label', { class: 'inline' }, 'Type ', typeSelect)),
      found,
      status,
      list,
      more,
    ),
  );
  load();
  return () => {
    stop();
    stopCounter();
    generation++;
  };
}
