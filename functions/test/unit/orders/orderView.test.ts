import { describe, expect, it } from 'vitest';
import { OrderStatusView, orderPath } from '../../../src/app/orders/orderView.js';
import { paths } from '../../../src/domain/paths.js';
import { envelope, notificationFixture } from '../notifications/fixture.js';

const base = { orderId: 'o1', itemTitle: 'Moon jar', buyerId: 'buyer', sellerId: 'seller' };

function setup() {
  const f = notificationFixture();
  const view = new OrderStatusView(f.store, f.clock, f.logger);
  /** An order event as the intake records it (events/{id}), then the trigger's before/after. */
  const submit = async (type: string, payload: Record<string, unknown>, key?: string) => {
    const env = envelope(type, payload, key ? { idempotencyKey: key } : {});
    const result = await f.n.pipeline.submit(env, 'callable', 'a');
    const data = (await f.store.get(paths.event(result.eventId))).data;
    return { result, outcome: await view.onEventWritten(result.eventId, undefined, data) };
  };
  const order = async () => (await f.store.get(orderPath('o1'))).data;
  return { f, view, submit, order };
}

describe('the order status view (orders/{orderId})', () => {
  it('follows the events recorded by the intake, idempotently, and ignores everything else', async () => {
    const { f, view, submit, order } = setup();
    await f.user('buyer');
    await f.user('seller');
    expect((await submit('order.placed', { ...base, amount: 420, currency: 'USD' })).outcome).toMatchObject({
      status: 'updated',
      orderStatus: 'placed',
    });
    const shipped = await submit(
      'order.shipped',
      { ...base, carrier: 'DHL', trackingNumber: 'JD1', trackingUrl: 'https://dhl.example/t/JD1' },
      'ship-1',
    );
    expect(await order()).toMatchObject({
      orderId: 'o1',
      buyerId: 'buyer',
      sellerId: 'seller',
      status: 'shipped',
      carrier: 'DHL',
      trackingUrl: 'https://dhl.example/t/JD1',
      amount: 420,
    });
    // The trigger runs twice, or the key arrives again by another door: nothing changes.
    const data = (await f.store.get(paths.event(shipped.result.eventId))).data;
    expect(await view.apply('other-doc', data!)).toEqual({ status: 'unchanged', orderId: 'o1' });
    // The pipeline's own updates of the event document are not events.
    expect(await view.onEventWritten(shipped.result.eventId, data, { ...data, status: 'processed' })).toMatchObject({
      status: 'ignored',
    });
    // A late `processing` keeps `shipped`.
    await submit('order.processing', base);
    expect((await order())?.status).toBe('shipped');
    // Not order events; a malformed one.
    expect(await view.onEventWritten('e1', undefined, { type: 'social.new_follower', payload: {} })).toMatchObject({
      status: 'ignored',
    });
    expect(
      await view.onEventWritten('e2', undefined, { type: 'order.shipped', payload: { orderId: 'o1' } }),
    ).toMatchObject({
      status: 'ignored',
    });
  });

  it("a rejected event replaced by a valid retry is applied; another buyer's event never opens the order to them", async () => {
    const { f, view, submit, order } = setup();
    const bad = envelope('order.placed', { ...base, amount: -1, currency: 'USD' }, { idempotencyKey: 'p1' });
    const rejected = await f.n.pipeline.submit(bad, 'callable', 'a');
    const before = (await f.store.get(paths.event(rejected.eventId))).data;
    expect(await view.onEventWritten(rejected.eventId, undefined, before)).toMatchObject({ status: 'ignored' });
    await f.n.pipeline.submit({ ...bad, payload: { ...base, amount: 42, currency: 'USD' } }, 'callable', 'b');
    const after = (await f.store.get(paths.event(rejected.eventId))).data;
    expect(await view.onEventWritten(rejected.eventId, before, after)).toMatchObject({ status: 'updated' });
    expect((await order())?.amount).toBe(42);

    await submit('order.delivered', { ...base, buyerId: 'mallory' });
    expect(await order()).toMatchObject({ buyerId: 'buyer', status: 'placed' });
  });

  it('reads views written before it existed (the emulator seed) and moves them on', async () => {
    const { f, submit, order } = setup();
    await f.store.set(orderPath('o1'), {
      buyerId: 'buyer',
      sellerId: 'seller',
      itemTitle: 'Moon jar',
      amount: 420,
      currency: 'USD',
      status: 'confirmed',
      updatedAt: new Date('2026-06-01T00:00:00Z'),
    });
    await submit('order.placed', { ...base, amount: 420, currency: 'USD' });
    expect((await order())?.status).toBe('confirmed');
    await submit('order.shipped', { ...base, carrier: 'DHL', trackingNumber: 'JD1' });
    expect(await order()).toMatchObject({ status: 'shipped', history: [{ status: 'shipped' }] });
  });
});

describe('order events reach the right people, channels and priorities (default preferences, 14:00 UTC)', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, string[]>, Record<string, [string, string]>]> = [
    [
      'order.placed',
      { ...base, amount: 80, currency: 'EUR' },
      { buyer: ['email', 'push'] },
      { buyer: ['order.placed', 'medium'] },
    ],
    ['order.processing', base, { buyer: ['push'] }, { buyer: ['order.processing', 'low'] }],
    [
      'order.cancelled',
      { ...base, reason: 'Out of stock', cancelledBy: 'system' },
      { buyer: ['email', 'push'], seller: ['email', 'push'] },
      { buyer: ['order.cancelled', 'high'], seller: ['order.sale_cancelled', 'high'] },
    ],
    [
      'order.cancelled',
      { ...base, reason: 'Changed my mind', cancelledBy: 'buyer' },
      { seller: ['email', 'push'] },
      { seller: ['order.sale_cancelled', 'high'] },
    ],
    [
      'order.refunded',
      { ...base, amount: 80, currency: 'EUR' },
      { buyer: ['email', 'push'], seller: ['email', 'push'] },
      { buyer: ['order.refunded', 'high'], seller: ['order.sale_refunded', 'high'] },
    ],
    [
      'order.delivered',
      base,
      { buyer: ['email', 'push'], seller: ['push'] },
      { buyer: ['order.delivered', 'high'], seller: ['order.sale_delivered', 'medium'] },
    ],
  ];

  it.each(cases)('%s', async (type, payload, expectedJobs, expected) => {
    const f = notificationFixture();
    for (const uid of ['buyer', 'seller']) await f.user(uid);
    expect((await f.n.pipeline.submit(envelope(type, payload), 'callable', 'a')).status).toBe('processed');
    const jobs: Record<string, string[]> = {};
    for (const topic of ['push', 'sms', 'email'] as const)
      for (const job of f.jobs(topic)) (jobs[job.uid] ??= []).push(job.channel);
    for (const list of Object.values(jobs)) list.sort();
    expect(jobs).toEqual(expectedJobs);
    for (const uid of ['buyer', 'seller']) {
      const list = await f.notifications(uid);
      expect(list.map((n) => [n.type, n.priority])).toEqual(expected[uid] ? [expected[uid]] : []);
    }
  });

  it("the seller's steps of one order stay separate notifications (no shared burst group)", async () => {
    const f = notificationFixture();
    for (const uid of ['buyer', 'seller']) await f.user(uid);
    const money = { amount: 80, currency: 'EUR' };
    await f.n.pipeline.submit(envelope('order.purchase_confirmed', { ...base, ...money }), 'callable', 'a');
    await f.n.pipeline.submit(envelope('order.delivered', base), 'callable', 'b');
    await f.n.pipeline.submit(envelope('order.refunded', { ...base, ...money }), 'callable', 'c');
    const types = (await f.notifications('seller')).map((n) => n.type).sort();
    expect(types).toEqual(['order.new_sale', 'order.sale_delivered', 'order.sale_refunded']);
  });

  it('payment failed: the reason is shown (email row, notification data) with what happens to the order', async () => {
    const f = notificationFixture();
    await f.user('buyer');
    await f.n.pipeline.submit(
      envelope('order.payment_failed', {
        ...base,
        amount: 80,
        currency: 'EUR',
        reason: 'Card declined by the issuer',
        retryBy: '2026-06-12T14:00:00Z',
      }),
      'callable',
      'a',
    );
    const [n] = await f.notifications('buyer');
    expect(n).toMatchObject({ type: 'order.payment_failed', critical: true });
    expect(n?.body).toMatch(/on hold/);
    expect(n?.data).toMatchObject({ reason: 'Card declined by the issuer', retryBy: '2026-06-12T14:00:00Z' });
    const [email] = f.jobs('email');
    expect(JSON.stringify(email)).toContain('Card declined by the issuer');
  });
});
