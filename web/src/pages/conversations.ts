import {
  messageId,
  paths,
  unreadOf,
  type ConversationDoc,
  type MemberDoc,
  type MessageDoc,
  type TypingDoc,
} from '@craft/client';
import {
  collection,
  deleteDoc,
  doc,
  getDocs,
  limit,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  Timestamp,
  where,
  writeBatch,
  type CollectionReference,
  type DocumentReference,
  type Query,
  type QueryDocumentSnapshot,
} from 'firebase/firestore';
import { ref as storageRef, uploadBytes } from 'firebase/storage';
import { clear, errorBox, h, when } from '../dom';
import { api, db, storage } from '../firebase';
import type { PageContext } from '../main';
import { probe } from '../probe';

type Kind = 'all' | 'direct' | 'group';
const TYPING_MS = 8_000;

/**
 * Conversations: the live list (memberIds array-contains me, newest first) and one open conversation. Messages,
 * typing indicators and read positions are written straight to Firestore under firestore.rules, as a mobile client
 * does; conversations and membership change through the callables.
 */
export function conversationsPage(root: HTMLElement, ctx: PageContext) {
  const me = ctx.user.uid;
  const cid = ctx.params[0];
  let kind: Kind = 'all';
  let stopList = () => {};
  const listEl = h('ul', { class: 'list convs', 'data-testid': 'conversations' });
  const listStatus = h('div', {});
  const kinds = h('div', { class: 'chips' });
  const members = new Map<string, MemberDoc>();
  // Display names of direct conversations' members: the member documents carry the server's copy of each profile's
  // name (users/{uid} is private). Read once per conversation, then the list renders again.
  const names = new Map<string, Map<string, string>>();
  const nameIn = (conversationId: string) => (uid: string) => {
    if (!names.has(conversationId)) {
      names.set(conversationId, new Map());
      getDocs(collection(db, paths.members(conversationId)) as CollectionReference<MemberDoc>).then(
        (snap) => {
          for (const m of snap.docs) names.get(conversationId)!.set(m.id, m.data().displayName);
          renderList();
        },
        () => {},
      );
    }
    return names.get(conversationId)!.get(uid) ?? uid;
  };

  function listen() {
    stopList();
    clear(
      kinds,
      ...(['all', 'direct', 'group'] as Kind[]).map((k) =>
        h('button', { class: k === kind ? 'chip on' : 'chip', onclick: () => ((kind = k), listen()) }, k),
      ),
    );
    const ref = collection(db, paths.conversations()) as CollectionReference<ConversationDoc>;
    const q: Query<ConversationDoc> =
      kind === 'all'
        ? query(ref, where('memberIds', 'array-contains', me), orderBy('lastMessageAt', 'desc'), limit(50))
        : query(
            ref,
            where('memberIds', 'array-contains', me),
            where('type', '==', kind),
            orderBy('lastMessageAt', 'desc'),
            limit(50),
          );
    stopList = onSnapshot(
      q,
      (snap) => {
        shown = snap.docs;
        renderList();
      },
      (error) => listStatus.replaceChildren(errorBox(error)),
    );
  }

  let shown: QueryDocumentSnapshot<ConversationDoc>[] = [];
  function renderList() {
    clear(
      listEl,
      ...shown.map((d) => {
        const c = d.data();
        const title =
          c.type === 'group'
            ? (c.title ?? 'Group')
            : c.memberIds
                .filter((u) => u !== me)
                .map(nameIn(d.id))
                .join(', ');
        return h(
          'li',
          { class: d.id === cid ? 'item open' : 'item', 'data-testid': 'conversation', 'data-id': d.id },
          h(
            'a',
            { href: `#/conversations/${encodeURIComponent(d.id)}`, class: 'grow' },
            h(
              'div',
              { class: 'title' },
              title,
              c.type === 'group' ? h('span', { class: 'muted small' }, ' · group') : null,
            ),
            h(
              'div',
              { class: 'muted small' },
              c.lastMessage ? `${c.lastMessage.preview} · ${when(c.lastMessage.createdAt)}` : 'No messages yet',
            ),
          ),
        );
      }),
    );
    if (!shown.length) listEl.append(h('li', { class: 'muted empty' }, 'No conversations yet.'));
  }

  const other = h('input', { placeholder: 'user id, e.g. u_lena', 'data-testid': 'new-direct-uid' });
  const groupTitle = h('input', { placeholder: 'group title', 'data-testid': 'new-group-title' });
  const groupMembers = h('input', { placeholder: 'member ids, comma separated', 'data-testid': 'new-group-members' });
  const startStatus = h('div', {});
  const started = async (call: () => Promise<{ conversationId: string }>) => {
    startStatus.replaceChildren();
    try {
      location.hash = `#/conversations/${encodeURIComponent((await call()).conversationId)}`;
    } catch (error) {
      startStatus.replaceChildren(errorBox(error));
    }
  };

  const side = h(
    'aside',
    { class: 'side' },
    h('h1', {}, 'Messages'),
    kinds,
    listStatus,
    listEl,
    h(
      'details',
      {},
      h('summary', {}, 'New conversation'),
      h(
        'form',
        {
          onsubmit: (e: Event) => (
            e.preventDefault(),
            started(() => api.createDirectConversation({ otherUid: other.value.trim() }))
          ),
        },
        other,
        h('button', { type: 'submit', 'data-testid': 'new-direct' }, 'Direct chat'),
      ),
      h(
        'form',
        {
          onsubmit: (e: Event) => (
            e.preventDefault(),
            started(() =>
              api.createGroup({
                title: groupTitle.value.trim(),
                memberIds: groupMembers.value
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean),
                requestId: crypto.randomUUID(),
              }),
            )
          ),
        },
        groupTitle,
        groupMembers,
        h('button', { type: 'submit', 'data-testid': 'new-group' }, 'Create group'),
      ),
      startStatus,
    ),
  );

  const main = h('div', { class: 'chat' });
  root.replaceChildren(h('section', { class: 'split' }, side, main));
  listen();
  const stopChat = cid
    ? openConversation(main, me, cid, members)
    : (main.append(h('p', { class: 'muted' }, 'Pick a conversation.')), () => {});
  return () => {
    stopList();
    stopChat();
  };
}

function openConversation(root: HTMLElement, me: string, cid: string, members: Map<string, MemberDoc>) {
  let conversation: ConversationDoc | undefined;
  let messages: Array<{ id: string; m: MessageDoc; pending: boolean }> = [];
  let typing: Array<{ uid: string; until: number }> = [];
  const header = h('div', { class: 'chat-head' });
  const log = h('ol', { class: 'messages', 'data-testid': 'messages' });
  const typingEl = h('div', { class: 'typing muted small', 'data-testid': 'typing' });
  const status = h('div', { 'data-testid': 'chat-status' });
  // Send failures apart from listener and action failures, so the page says which write was refused.
  const sendStatus = h('div', { 'data-testid': 'send-status' });
  const stops: Array<() => void> = [];
  const fail = (error: unknown) => status.replaceChildren(errorBox(error));
  const nameOf = (uid: string) => members.get(uid)?.displayName ?? uid;

  // ── listeners ──
  stops.push(
    onSnapshot(
      doc(db, paths.conversation(cid)) as DocumentReference<ConversationDoc>,
      (snap) => {
        conversation = snap.data();
        renderHeader();
        markRead();
      },
      fail,
    ),
    onSnapshot(
      collection(db, paths.members(cid)) as CollectionReference<MemberDoc>,
      (snap) => {
        members.clear();
        for (const d of snap.docs) members.set(d.id, d.data({ serverTimestamps: 'estimate' }));
        renderHeader();
        renderMessages();
      },
      fail,
    ),
    onSnapshot(
      query(
        collection(db, paths.messages(cid)) as CollectionReference<MessageDoc>,
        orderBy('createdAt', 'desc'),
        limit(50),
      ),
      { includeMetadataChanges: true },
      (snap) => {
        const now = Date.now();
        for (const change of snap.docChanges())
          if (change.type === 'added' && change.doc.data().senderId !== me) probe.arrived[change.doc.id] ??= now;
        messages = snap.docs
          .map((d) => ({ id: d.id, m: d.data({ serverTimestamps: 'estimate' }), pending: d.metadata.hasPendingWrites }))
          .reverse();
        renderMessages();
        markRead();
      },
      fail,
    ),
    onSnapshot(
      collection(db, paths.typing(cid)) as CollectionReference<TypingDoc>,
      (snap) => {
        typing = snap.docs.filter((d) => d.id !== me).map((d) => ({ uid: d.id, until: d.data().expiresAt.toMillis() }));
        renderTyping();
      },
      fail,
    ),
  );
  // Expired indicators disappear without a write (a client that closed its tab never deletes its own).
  const tick = setInterval(renderTyping, 1_000);
  stops.push(() => clearInterval(tick));

  function renderTyping() {
    const now = Date.now();
    const who = typing.filter((t) => t.until > now).map((t) => nameOf(t.uid));
    typingEl.textContent = who.length ? `${who.join(', ')} ${who.length > 1 ? 'are' : 'is'} typing…` : '';
  }

  function renderHeader() {
    if (!conversation) return;
    const c = conversation;
    const others = c.memberIds.filter((u) => u !== me);
    const mine = members.get(me);
    const isOwner = mine?.role === 'owner' || mine?.role === 'admin';
    clear(
      header,
      h('h2', { class: 'grow' }, c.type === 'group' ? (c.title ?? 'Group') : others.map(nameOf).join(', ')),
      h('span', { class: 'muted small', 'data-testid': 'unread' }, mine ? `${unreadOf(c, mine)} unread` : ''),
      c.type === 'direct'
        ? h(
            'button',
            {
              class: 'secondary',
              'data-testid': 'block',
              onclick: () => act(() => api.blockUser({ uid: others[0]! }), `You blocked ${nameOf(others[0]!)}.`),
            },
            'Block',
          )
        : null,
      c.type === 'group' && isOwner
        ? h(
            'select',
            {
              'data-testid': 'remove-member',
              onchange: (e: Event) => {
                const uid = (e.target as HTMLSelectElement).value;
                if (uid) void act(() => api.removeMember({ conversationId: cid, uid }), `${nameOf(uid)} removed.`);
              },
            },
            h('option', { value: '' }, 'Remove member…'),
            ...others.map((u) => h('option', { value: u }, nameOf(u))),
          )
        : null,
    );
  }

  async function act(call: () => Promise<unknown>, done: string) {
    try {
      await call();
      status.replaceChildren(h('p', { class: 'ok' }, done));
    } catch (error) {
      fail(error);
    }
  }

  function renderMessages() {
    // Read receipts: a member has seen a message when their read position (members/{uid}.lastReadAt, which they move
    // themselves) is at or after it. Shown under my newest message.
    const lastMine = [...messages].reverse().find((x) => x.m.senderId === me && !x.pending);
    clear(
      log,
      ...messages.map(({ id, m, pending }) => {
        const seenBy =
          lastMine?.id === id
            ? [...members.values()]
                .filter(
                  (mem) => mem.uid !== me && mem.lastReadAt && mem.lastReadAt.toMillis() >= m.createdAt.toMillis(),
                )
                .map((mem) => mem.displayName)
            : [];
        return h(
          'li',
          {
            class: m.senderId === me ? 'msg mine' : 'msg',
            'data-testid': 'message',
            'data-id': id,
            'data-type': m.type,
            'data-pending': String(pending),
          },
          h(
            'div',
            { class: 'muted small' },
            m.senderId === me ? 'You' : nameOf(m.senderId),
            ' · ',
            when(m.createdAt),
            pending ? ' · sending…' : '',
          ),
          body(m),
          seenBy.length
            ? h('div', { class: 'seen small', 'data-testid': 'seen' }, `Seen by ${seenBy.join(', ')}`)
            : null,
        );
      }),
    );
    log.scrollTop = log.scrollHeight;
  }

  // My read position: the member document and reads/{uid} in one batch with the same server time (the rules check
  // both), lastReadSeq up to the conversation's sequence as I know it. Only while the page is visible.
  let readInFlight = false;
  function markRead() {
    const mine = members.get(me);
    const newest = [...messages].reverse().find((x) => x.m.senderId !== me && !x.pending);
    if (!mine || !newest || readInFlight || document.visibilityState !== 'visible') return;
    if (mine.lastReadAt && mine.lastReadAt.toMillis() >= newest.m.createdAt.toMillis()) return;
    const batch = writeBatch(db);
    const seq = conversation?.lastMessageSeq;
    batch.update(doc(db, paths.member(cid, me)), {
      lastReadAt: serverTimestamp(),
      unreadCount: 0,
      ...(typeof seq === 'number' && seq > (mine.lastReadSeq ?? 0) ? { lastReadSeq: seq } : {}),
    });
    batch.set(doc(db, paths.read(cid, me)), { lastReadAt: serverTimestamp() });
    readInFlight = true;
    batch
      .commit()
      .catch(fail)
      .finally(() => {
        readInFlight = false;
      });
  }

  // ── composer ──
  let lastTyping = 0;
  const typeSelect = h(
    'select',
    { 'data-testid': 'message-type', onchange: () => renderFields() },
    ...['text', 'material_spec', 'technique', 'workshop', 'file'].map((t) =>
      h('option', { value: t }, t.replace('_', ' ')),
    ),
  );
  const text = h('textarea', {
    rows: 2,
    placeholder: 'Write a message…',
    'data-testid': 'composer',
    oninput: () => signalTyping(),
    onkeydown: (e: KeyboardEvent) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        void send();
      }
    },
  });
  const fields = h('div', { class: 'fields' });
  const inputs: Record<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement> = {};
  function field(name: string, label: string, el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement) {
    el.setAttribute('data-testid', `field-${name}`);
    inputs[name] = el;
    return h('label', {}, label, el);
  }
  function renderFields() {
    for (const k of Object.keys(inputs)) delete inputs[k];
    const t = typeSelect.value;
    clear(
      fields,
      ...(t === 'material_spec'
        ? [
            field('material', 'Material', h('input', { value: 'Walnut' })),
            field('quantity', 'Quantity', h('input', { type: 'number', value: '2', min: '0', step: 'any' })),
            field('unit', 'Unit', h('input', { value: 'board feet' })),
            field('colour', 'Colour', h('input', {})),
          ]
        : t === 'technique'
          ? [
              field('title', 'Title', h('input', {})),
              field('steps', 'Steps (one a line)', h('textarea', { rows: 3 })),
              field(
                'difficulty',
                'Difficulty',
                h('select', {}, ...['beginner', 'intermediate', 'advanced'].map((d) => h('option', { value: d }, d))),
              ),
            ]
          : t === 'workshop'
            ? [
                field('title', 'Title', h('input', {})),
                field('start', 'Start', h('input', { type: 'datetime-local' })),
                field('hours', 'Hours', h('input', { type: 'number', value: '2', min: '1' })),
                field('place', 'Place', h('input', {})),
                field('capacity', 'Capacity', h('input', { type: 'number', value: '8', min: '1' })),
              ]
            : t === 'file'
              ? [field('file', 'File', h('input', { type: 'file' }))]
              : []),
    );
  }
  renderFields();

  function signalTyping() {
    const now = Date.now();
    if (now - lastTyping < 3_000) return;
    lastTyping = now;
    setDoc(doc(db, paths.typingOf(cid, me)), { expiresAt: Timestamp.fromMillis(now + TYPING_MS) }).catch(
      (error: unknown) => {
        // "X is typing" is best effort, and its refusal (blocked, removed, an untrusted account: the rules deny it on
        // the conditions of sending) is nothing the user can act on: sending says so when it matters, in send-status.
        probe.typingRefused += 1;
        console.debug('typing indicator not written', error);
      },
    );
  }

  async function content(): Promise<Partial<MessageDoc> & { type: MessageDoc['type'] }> {
    const t = typeSelect.value;
    const caption = text.value.trim() ? { text: text.value.trim() } : {};
    const v = (name: string) => inputs[name]!.value.trim();
    if (t === 'material_spec')
      return {
        type: 'material_spec',
        ...caption,
        materialSpec: {
          material: v('material'),
          quantity: Number(v('quantity')),
          unit: v('unit'),
          ...(v('colour') ? { colour: v('colour') } : {}),
        },
      };
    if (t === 'technique')
      return {
        type: 'technique',
        ...caption,
        technique: {
          title: v('title'),
          steps: v('steps')
            .split('\n')
            .map((s) => s.trim())
            .filter(Boolean),
          difficulty: v('difficulty') as 'beginner',
        },
      };
    if (t === 'workshop') {
      const start = new Date(v('start') || Date.now() + 86_400_000);
      return {
        type: 'workshop',
        ...caption,
        workshop: {
          title: v('title'),
          start: Timestamp.fromDate(start),
          end: Timestamp.fromMillis(start.getTime() + Number(v('hours')) * 3_600_000),
          capacity: Math.trunc(Number(v('capacity'))),
          ...(v('place') ? { place: v('place') } : {}),
        },
      };
    }
    if (t === 'file') {
      const file = (inputs.file as HTMLInputElement).files?.[0];
      if (!file) throw Object.assign(new Error('choose a file first'), { code: 'invalid-argument' });
      const kind = file.type.startsWith('image/') ? 'image' : 'file';
      // The rules accept attachments under the sender's own folder of the conversation. With the Storage emulator
      // running the bytes are uploaded there first; without it only the description is sent (see README).
      const path = `conversations/${cid}/${me}/${Date.now()}-${file.name.replace(/[^A-Za-z0-9._-]/g, '_')}`;
      if (storage) await uploadBytes(storageRef(storage, path), file, { contentType: file.type });
      return {
        type: kind,
        ...caption,
        attachments: [
          { kind, path, contentType: file.type || 'application/octet-stream', size: file.size, name: file.name },
        ],
      };
    }
    return { type: 'text', text: text.value.trim() };
  }

  async function send() {
    sendStatus.replaceChildren();
    const clientMessageId = crypto.randomUUID();
    const id = messageId(me, clientMessageId);
    try {
      const c = await content();
      if (c.type === 'text' && !c.text) return;
      text.value = '';
      probe.sent[id] = Date.now();
      // Resolves when the emulator accepted the write; a rules refusal rejects it (and the optimistic copy vanishes).
      await setDoc(doc(db, paths.message(cid, id)), {
        ...c,
        senderId: me,
        clientMessageId,
        createdAt: serverTimestamp(),
      });
      lastTyping = 0;
      deleteDoc(doc(db, paths.typingOf(cid, me))).catch(() => {});
    } catch (error) {
      delete probe.sent[id];
      sendStatus.replaceChildren(errorBox(error));
    }
  }

  root.replaceChildren(
    header,
    status,
    log,
    typingEl,
    h(
      'form',
      { class: 'composer', onsubmit: (e: Event) => (e.preventDefault(), void send()) },
      sendStatus,
      h('div', { class: 'row' }, typeSelect, h('button', { type: 'submit', 'data-testid': 'send' }, 'Send')),
      fields,
      text,
      storage
        ? null
        : h('p', { class: 'muted small' }, 'Files: no Storage emulator, so only the file’s description is sent.'),
    ),
  );
  return () => stops.forEach((stop) => stop());
}

/** One message, by type. */
function body(m: MessageDoc): HTMLElement {
  if (m.deleted) return h('p', { class: 'muted' }, 'Message deleted');
  const caption = m.text && m.type !== 'text' ? h('p', {}, m.text) : null;
  switch (m.type) {
    case 'material_spec':
      return h(
        'div',
        { class: 'card spec' },
        h('strong', {}, 'Material spec'),
        h(
          'p',
          {},
          `${m.materialSpec?.quantity} ${m.materialSpec?.unit} of ${m.materialSpec?.material}`,
          m.materialSpec?.colour ? ` (${m.materialSpec.colour})` : '',
        ),
        caption,
      );
    case 'technique':
      return h(
        'div',
        { class: 'card spec' },
        h('strong', {}, `Technique: ${m.technique?.title} · ${m.technique?.difficulty}`),
        h('ol', {}, ...(m.technique?.steps ?? []).map((s) => h('li', {}, s))),
        caption,
      );
    case 'workshop':
      return h(
        'div',
        { class: 'card spec' },
        h('strong', {}, `Workshop: ${m.workshop?.title}`),
        h(
          'p',
          {},
          `${when(m.workshop?.start)} – ${when(m.workshop?.end)} · ${m.workshop?.place ?? m.workshop?.link ?? ''} · ${m.workshop?.capacity} places`,
        ),
        caption,
      );
    case 'image':
    case 'file':
    case 'voice':
      return h(
        'div',
        { class: 'card spec' },
        ...(m.attachments ?? []).map((a) =>
          h('p', {}, `Attachment: ${a.name} (${a.contentType}, ${Math.ceil(a.size / 1024)} KB)`),
        ),
        caption,
      );
    case 'system':
      return h('p', { class: 'muted' }, m.text ?? 'system');
    default:
      return h('p', {}, m.text ?? '');
  }
}
