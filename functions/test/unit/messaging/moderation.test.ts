import { afterEach, describe, expect, it } from 'vitest';
import { paths } from '../../../src/domain/paths.js';
import { screenText } from '../../../src/domain/messaging/moderationFilter.js';
import { moderationItemId, moderationItemPath } from '../../../src/app/messaging/moderation.js';
import { useServices } from '../../../src/functions/runtime.js';
import { createGroup, decideModeration, reportMessage, sendMessage } from '../../../src/functions/messaging.js';
import { call } from '../../support/callables.js';
import { testWorld } from '../../support/world.js';
import { as, groupWorld, textMessage, triggerFor } from './setup.js';

describe('automated filter', () => {
  it.each([
    ['pay me on paypal', 'off_platform_payment'],
    ['send the money via Zelle please', 'off_platform_payment'],
    ["let's settle outside the platform", 'off_platform_payment'],
    ['call me at +44 20 7946 0958', 'contact_details'],
    ['my number is 0176 1234567', 'contact_details'],
    ['write to jo.maker@example.com', 'contact_details'],
    ['add me on WhatsApp', 'contact_details'],
    ['what a fucking mess', 'profanity'],
    ['you sh1thead', 'profanity'],
  ])('flags %j as %s', (text, reason) => {
    expect(screenText(text).map((f) => f.reason)).toContain(reason);
  });

  it.each([
    'Is the walnut bowl food-safe?',
    'Ferment vat, 10 days, 2 kg of indigo',
    'Workshop 2026-12-05 04:30 to 08:30, capacity 12',
    'Order 12345 shipped, paid in the app',
    'Bind with thread every 2 cm',
    'Könnten Sie die Vase auch in Seladon-Blau glasieren?',
  ])('passes %j', (text) => {
    expect(screenText(text)).toEqual([]);
  });
});

describe('moderation flow', () => {
  it('filter flag → report → admin removes and warns → audited every step', async () => {
    const world = await groupWorld();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'pay me on paypal, cheaper'),
    });
    await triggerFor(world, world.cid, messageId);
    const id = moderationItemId(world.cid, messageId);
    expect((await world.store.get(moderationItemPath(id))).data).toMatchObject({
      conversationId: world.cid,
      messageId,
      senderId: 'member',
      status: 'open',
      sources: ['automated'],
      reasons: ['off_platform_payment'],
      excerpt: 'pay me on paypal, cheaper',
    });

    await world.messaging.moderation.report(as('other'), {
      conversationId: world.cid,
      messageId,
      reason: 'off_platform',
      note: 'asked me too',
    });
    await world.messaging.moderation.report(as('other'), {
      conversationId: world.cid,
      messageId,
      reason: 'off_platform',
    });
    const reported = (await world.store.get(moderationItemPath(id))).data;
    expect(reported).toMatchObject({
      sources: ['automated', 'report'],
      reporterIds: ['other'],
      reasons: ['off_platform_payment', 'reported:off_platform'],
    });

    await expect(
      world.messaging.moderation.decide(as('owner'), { itemId: id, action: 'remove' }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    await world.messaging.moderation.decide(as('mod', 'admin'), {
      itemId: id,
      action: 'remove',
      note: 'payment outside platform',
    });
    expect((await world.store.get(paths.message(world.cid, messageId))).data).toMatchObject({
      deleted: true,
      deletedBy: 'moderation:mod',
    });
    expect((await world.store.get(paths.message(world.cid, messageId))).data?.text).toBeUndefined();
    await expect(
      world.messaging.moderation.decide(as('mod', 'admin'), { itemId: id, action: 'keep' }),
    ).rejects.toMatchObject({ code: 'failed-precondition' });

    const audit = (await world.store.query('auditLog'))
      .map((a) => a.data!)
      .filter((a) => String(a.action).match(/^(moderation|message\.removed|user\.)/));
    expect(audit.map((a) => [a.action, a.actorUid]).sort()).toEqual([
      ['message.removed', 'mod'],
      ['moderation.decided', 'mod'],
      ['moderation.flagged', 'system:moderation-filter'],
      ['moderation.reported', 'other'],
    ]);
    for (const a of audit) expect(a.at).toBeInstanceOf(Date);
  });

  it('warn and ban record on the sender; a banned user cannot send', async () => {
    const world = await groupWorld();
    const first = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1', 'rude'),
    });
    const second = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c2', 'ruder'),
    });
    const r1 = await world.messaging.moderation.report(as('owner'), {
      conversationId: world.cid,
      messageId: first.messageId,
      reason: 'harassment',
    });
    const r2 = await world.messaging.moderation.report(as('owner'), {
      conversationId: world.cid,
      messageId: second.messageId,
      reason: 'harassment',
    });
    await world.messaging.moderation.decide(as('mod', 'admin'), { itemId: r1.itemId, action: 'warn' });
    expect((await world.store.get(paths.user('member'))).data?.moderation).toMatchObject({ warnings: 1 });
    expect((await world.store.get(paths.message(world.cid, first.messageId))).data?.deleted).toBeUndefined();
    await world.messaging.moderation.decide(as('mod', 'admin'), { itemId: r2.itemId, action: 'ban' });
    expect((await world.store.get(paths.user('member'))).data).toMatchObject({
      displayName: 'User member',
      moderation: { warnings: 1, banned: true, bannedBy: 'mod' },
    });
    await expect(
      world.messaging.messages.send(as('member'), { conversationId: world.cid, ...textMessage('c3') }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    // Nor edit what is still inside the edit window.
    await expect(
      world.messaging.messages.edit(as('member'), {
        conversationId: world.cid,
        messageId: first.messageId,
        text: 'edited after the ban',
      }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    expect((await world.store.get(paths.message(world.cid, first.messageId))).data?.text).toBe('rude');
    const actions = (await world.store.query('auditLog')).map((a) => a.data?.action);
    expect(actions).toEqual(expect.arrayContaining(['user.warned', 'user.banned', 'message.removed']));
  });

  it('reports: members only, not one’s own, not missing messages; keep then a new reporter reopens', async () => {
    const world = await groupWorld();
    const { messageId } = await world.messaging.messages.send(as('member'), {
      conversationId: world.cid,
      ...textMessage('c1'),
    });
    const report = (uid: string, mid = messageId) =>
      world.messaging.moderation.report(as(uid), { conversationId: world.cid, messageId: mid, reason: 'spam' });
    await expect(report('outsider')).rejects.toMatchObject({ code: 'permission-denied' });
    await expect(report('member')).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(report('owner', 'member_nope')).rejects.toMatchObject({ code: 'not-found' });
    const { itemId } = await report('owner');
    await world.messaging.moderation.decide(as('mod', 'admin'), { itemId, action: 'keep' });
    expect((await world.store.get(moderationItemPath(itemId))).data).toMatchObject({
      status: 'decided',
      decision: { action: 'keep', by: 'mod' },
    });
    await report('owner');
    expect((await world.store.get(moderationItemPath(itemId))).data?.status).toBe('decided');
    await report('other');
    expect((await world.store.get(moderationItemPath(itemId))).data?.status).toBe('open');
  });
});

describe('messaging callables (through the callable wrapper)', () => {
  afterEach(() => useServices(undefined));

  it('require auth, name bad fields, and enforce admin on decisions', async () => {
    await testWorld({ now: '2026-11-21T10:00:00Z', users: ['owner', 'member', 'mod'], install: true });
    await expect(call(createGroup, { title: 'G', memberIds: ['member'] })).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const error = (await call(createGroup, { title: '', memberIds: [] }, { uid: 'owner' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(error).toMatchObject({ code: 'invalid-argument' });
    expect(error.message).toMatch(/data\.title/);
    expect(error.message).toMatch(/data\.memberIds/);
    const dup = (await call(createGroup, { title: 'G', memberIds: ['member', 'member'] }, { uid: 'owner' }).catch(
      (e: unknown) => e,
    )) as Error;
    expect(dup.message).toMatch(/data\.memberIds: must not list a user twice/);

    const { conversationId } = await call<{ conversationId: string }>(
      createGroup,
      { title: 'G', memberIds: ['member'] },
      { uid: 'owner' },
    );
    const sent = await call<{ messageId: string }>(
      sendMessage,
      { conversationId, type: 'text', text: 'hello', clientMessageId: 'c1' },
      { uid: 'member' },
    );
    expect(sent.messageId).toBe('member_c1');
    const { itemId } = await call<{ itemId: string }>(
      reportMessage,
      { conversationId, messageId: 'member_c1', reason: 'spam' },
      { uid: 'owner' },
    );
    await expect(call(decideModeration, { itemId, action: 'keep' }, { uid: 'owner' })).rejects.toMatchObject({
      code: 'permission-denied',
    });
    await expect(
      call(decideModeration, { itemId, action: 'shrug' }, { uid: 'mod', roles: ['admin'] }),
    ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/data\.action/) });
    await expect(call(decideModeration, { itemId, action: 'keep' }, { uid: 'mod', roles: ['admin'] })).resolves.toEqual(
      { itemId, action: 'keep' },
    );
  });
});
