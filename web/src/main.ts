/**
 * The reference app: hash routes, one page at a time. Each page renders into #page and returns its cleanup
 * (unsubscribing its Firestore listeners) for when the route changes.
 */
import { paths, type CounterDoc } from '@craft/client';
import { onAuthStateChanged, signOut, type User } from 'firebase/auth';
import { doc, onSnapshot, type DocumentReference } from 'firebase/firestore';
import { h, clear } from './dom';
import { auth, db } from './firebase';
import './probe';
import { conversationsPage } from './pages/conversations';
import { dashboardPage } from './pages/dashboard';
import { notificationsPage } from './pages/notifications';
import { preferencesPage } from './pages/preferences';
import { searchPage } from './pages/search';
import { signInPage } from './pages/signIn';

export type Cleanup = () => void;
export interface PageContext {
  user: User;
  /** Role claims of the ID token (admin, compliance, service). */
  claims: Record<string, unknown>;
  /** The route's remaining segments (#/conversations/<cid> → ['<cid>']). */
  params: string[];
}
type Page = (root: HTMLElement, ctx: PageContext) => Cleanup;

const pages: Record<string, { title: string; page: Page; admin?: boolean }> = {
  notifications: { title: 'Notifications', page: notificationsPage },
  conversations: { title: 'Messages', page: conversationsPage },
  search: { title: 'Search', page: searchPage },
  preferences: { title: 'Preferences', page: preferencesPage },
  dashboard: { title: 'Dashboard', page: dashboardPage, admin: true },
};

const top = document.getElementById('top')!;
const root = document.getElementById('page')!;
let cleanup: Cleanup = () => {};
let stopBadge: Cleanup = () => {};
let session: { user: User; claims: Record<string, unknown> } | null = null;

function route() {
  cleanup();
  cleanup = () => {};
  const [name = '', ...params] = location.hash.replace(/^#\/?/, '').split('/');
  if (!session) {
    header(null);
    cleanup = signInPage(root);
    return;
  }
  const entry = pages[name];
  if (!entry) {
    location.hash = '#/notifications';
    return;
  }
  header(name);
  document.title = `${entry.title} · Craft`;
  cleanup = entry.page(root, { ...session, params: params.map(decodeURIComponent) });
}

function header(active: string | null) {
  if (!session) {
    clear(top, h('span', { class: 'brand' }, 'Craft'));
    return;
  }
  const links = Object.entries(pages)
    .filter(([, p]) => !p.admin || session!.claims.admin === true)
    .map(([name, p]) =>
      h(
        'a',
        { href: `#/${name}`, class: name === active ? 'active' : '', 'data-testid': `nav-${name}` },
        p.title,
        name === 'notifications' ? badge : null,
      ),
    );
  clear(
    top,
    h('span', { class: 'brand' }, 'Craft'),
    h('nav', {}, ...links),
    h(
      'span',
      { class: 'who' },
      h('span', { 'data-testid': 'signed-in-as' }, session.user.displayName ?? session.user.email ?? session.user.uid),
      h('button', { class: 'link', onclick: () => void signOut(auth) }, 'Sign out'),
    ),
  );
}

// The unread badge: the exact counter the server keeps in the same transaction as each read state
// (users/{uid}/counters/notifications), not a count of loaded documents.
const badge = h('span', { class: 'badge', 'data-testid': 'badge', hidden: true }, '0');
function listenToBadge(uid: string): Cleanup {
  const ref = doc(db, paths.notificationCounter(uid)) as DocumentReference<CounterDoc>;
  return onSnapshot(
    ref,
    (snap) => {
      const unread = snap.data()?.unread ?? 0;
      badge.textContent = String(unread);
      badge.hidden = unread === 0;
      badge.dataset.unread = String(unread);
    },
    (error) => console.error('badge', error),
  );
}

onAuthStateChanged(auth, async (user) => {
  stopBadge();
  stopBadge = () => {};
  if (user) {
    const token = await user.getIdTokenResult();
    session = { user, claims: token.claims };
    stopBadge = listenToBadge(user.uid);
    if (!location.hash || location.hash === '#/signin') {
      location.hash = '#/notifications'; // hashchange routes
      return;
    }
  } else {
    session = null;
  }
  route();
});
window.addEventListener('hashchange', route);
