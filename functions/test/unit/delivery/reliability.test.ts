import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import type { App } from 'firebase-admin/app';
import { FcmPushSender } from '../../../src/adapters/fcm/push.js';
import { TwilioClientFactory } from '../../../src/adapters/twilio/client.js';
import { TwilioSmsSender } from '../../../src/adapters/twilio/sms.js';
import { SendgridEmailSender } from '../../../src/adapters/sendgrid/email.js';
import { Loopback } from '../../../src/local/sandbox/http.js';
import { sendgridProvider } from '../../../src/local/sandbox/sendgrid.js';
import { twilioProvider } from '../../../src/local/sandbox/twilio.js';
import type { DeliveryDoc } from '../../../src/app/delivery/deliveryRepo.js';
import { LEASE_MS } from '../../../src/app/delivery/deliveryRepo.js';
import { TOPICS } from '../../../src/domain/channels.js';
import type { ProviderChannel } from '../../../src/domain/channels.js';
import type { DeliveryJob } from '../../../src/domain/delivery.js';
import { TERMINAL_FAILURES } from '../../../src/domain/delivery.js';
import { ProviderError } from '../../../src/domain/delivery/providerError.js';
import { MAX_SWEEPS, SENDING_STUCK_AFTER_MS, QUEUED_STUCK_AFTER_MS } from '../../../src/domain/delivery/sweep.js';
import { paths } from '../../../src/domain/paths.js';
import { FCM_PROJECT, LoopbackAgent, fcmErrorBody } from '../../support/fakes/fcmServer.js';
import { SENDGRID_KEY } from '../../support/fakes/sendgridServer.js';
import {
  TWILIO_SID,
  TWILIO_TOKEN,
  VERIFY_CODE,
  VERIFY_SID,
  loopbackRequestClient,
} from '../../support/fakes/twilioServer.js';
import { device, deliveryWorld, job, queued } from '../../support/delivery.js';
import { deliveryId } from '../../../src/domain/delivery.js';

/**
 * Channel delivery when things go wrong for real (issue 12): redeliveries, crashes after the claim, provider outages
 * with open breakers, critical fallbacks. Pub/Sub is simulated by `pubsub` below: every job published on a delivery
 * topic is handed to the handler; a handler that throws gets it again later (the fake clock moves 10 s a round, the
 * subscription's minimum backoff), one that resolves has acknowledged it. Providers are the real SDK adapters against
 * loopback servers where the wire matters (FCM answering 500, Twilio hanging, SendGrid throttling), else the sandbox.
 */

type World = Awaited<ReturnType<typeof deliveryWorld>>;
const TERMINAL = new Set<string>(['sent', 'delivered', 'opened', 'clicked', ...TERMINAL_FAILURES]);
const CHANNEL_OF: Record<string, ProviderChannel> = {
  [TOPICS.push]: 'push',
  [TOPICS.sms]: 'sms',
  [TOPICS.email]: 'email',
};

/** Pub/Sub for the delivery topics, at-least-once with redelivery; returns how many deliveries threw (were nacked). */
async function pubsub(
  w: World,
  options: {
    concurrency?: number;
    backoffMs?: number;
    realMsPerRound?: number;
    maxRounds?: number;
    lose?: (m: { data: unknown }) => boolean;
  } = {},
) {
  const { concurrency = 25, backoffMs = 10_000, realMsPerRound = 5, maxRounds = 200 } = options;
  let cursor = 0;
  let nacks = 0;
  let pending: { topic: string; data: unknown }[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const fresh = w.infra.publisher.published.slice(cursor).filter((m) => CHANNEL_OF[m.topic] && !options.lose?.(m));
    cursor = w.infra.publisher.published.length;
    const batch = [...pending, ...fresh];
    pending = [];
    if (batch.length === 0) return { nacks, rounds: round };
    for (let i = 0; i < batch.length; i += concurrency) {
      await Promise.all(
        batch.slice(i, i + concurrency).map((m) =>
          w.services.delivery.channels.handle(CHANNEL_OF[m.topic]!, m.data).catch(() => {
            nacks++;
            pending.push(m);
          }),
        ),
      );
    }
    w.infra.clock.advance(backoffMs);
    // Real time for the breakers' half-open timer (cockatiel reads the system clock), in proportion to the backoff.
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, realMsPerRound));
  }
  throw new Error(`jobs still redelivered after ${maxRounds} rounds`);
}

const phoneOf = (i: number) => `+1212555${String(1000 + i).padStart(4, '0')}`;

async function users(w: World, n: number, { withDevice = true, prefix = 'r', offset = 0 } = {}): Promise<string[]> {
  const uids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  for (const [i, uid] of uids.entries()) {
    await w.addUser({
      uid,
      email: `${uid}@studio.example`,
      phone: phoneOf(offset + i),
      phoneVerified: true,
      timeZone: 'America/New_York',
    });
    if (withDevice) await device(w.store, uid, `phone-${uid}`);
  }
  return uids;
}

const deliveries = async (w: World) => (await w.store.query(paths.deliveries())).map((s) => s.data as DeliveryDoc);
const critical = (uid: string, eventId = `pay-${uid}`): DeliveryJob =>
  job('push', {
    uid,
    eventId,
    type: 'payment.failed',
    category: 'commerce',
    critical: true,
    fallback: ['sms', 'email'],
  });

async function publishAll(w: World, jobs: DeliveryJob[]) {
  for (const j of jobs) {
    await queued(w.store, j);
    await w.infra.publisher.publish(TOPICS[j.channel], j, { deliveryId: j.deliveryId });
  }
}

describe('exactly once under redelivery', () => {
  it('every job (push, SMS, email, critical fallbacks) delivered 3 times at once and 3 more times in sequence: 0 duplicate provider calls', async () => {
    const w = await deliveryWorld();
    const uids = await users(w, 10);
    const jobs = uids.flatMap((uid) => [
      job('push', { uid, eventId: `a-${uid}` }),
      job('sms', { uid, eventId: `b-${uid}` }),
      job('email', { uid, eventId: `c-${uid}` }),
    ]);
    // Critical alerts to users with no device: each falls back to an SMS (a new job, on its own delivery).
    jobs.push(...(await users(w, 5, { withDevice: false, prefix: 'c', offset: 100 })).map((uid) => critical(uid)));
    for (const j of jobs) await queued(w.store, j);
    // Each job three times at once...
    for (const j of jobs) for (let i = 0; i < 3; i++) await w.infra.publisher.publish(TOPICS[j.channel], j);
    await pubsub(w, { concurrency: 200 });
    // ... and three times more, one after the other, after everything settled (and after any lease).
    w.infra.clock.advance(LEASE_MS + 1);
    for (let i = 0; i < 3; i++) for (const j of jobs) await w.services.delivery.channels.handle(j.channel, j);
    await pubsub(w);

    expect(w.providers.push.sent).toHaveLength(10);
    expect(new Set(w.providers.push.sent.map((m) => m.data.deliveryId)).size).toBe(10);
    const smsTo = w.providers.sms.sent.map((m) => `${m.to}|${m.body}|${m.statusCallback}`);
    expect(new Set(smsTo).size).toBe(smsTo.length);
    expect(w.providers.sms.sent).toHaveLength(10 + 5); // 10 plain + 5 fallbacks
    expect(w.providers.email.sent).toHaveLength(10);
    for (const d of await deliveries(w)) {
      expect(TERMINAL.has(d.status), `${d.deliveryId} ${d.status}`).toBe(true);
      expect(d.attempts, d.deliveryId).toBe(d.reason === 'no-device' ? 0 : 1);
    }
  });
});

describe('critical alerts when providers fail, through the real SDKs on the wire', () => {
  let app: App;
  const fcm = new Loopback(() => ({
    status: 500,
    body: fcmErrorBody(500, 'INTERNAL', 'INTERNAL', 'Internal error encountered.'),
  }));
  // Twilio accepts the connection and never answers.
  const twilio = twilioProvider({
    accountSid: TWILIO_SID,
    authToken: TWILIO_TOKEN,
    verifyServiceSid: VERIFY_SID,
    verifyCode: VERIFY_CODE,
  });
  const twilioHanging = new Loopback((req) => ({ ...twilio(req), delayMs: 60_000 }));
  const twilioDown = new Loopback(() => ({
    status: 500,
    body: { code: 20500, message: 'Internal Server Error', status: 500 },
  }));
  const sendgridRoute = sendgridProvider({ apiKey: SENDGRID_KEY });
  let throttles = 0;
  // SendGrid throttles the first few calls (429 + Retry-After), then accepts.
  const sendgridThrottling = new Loopback((req) =>
    throttles-- > 0
      ? { status: 429, headers: { 'retry-after': '1' }, body: { errors: [{ message: 'too many requests' }] } }
      : sendgridRoute(req),
  );
  const sendgridDown = new Loopback(() => ({ status: 500, body: { errors: [{ message: 'Internal Server Error' }] } }));
  const servers = [fcm, twilioHanging, twilioDown, sendgridThrottling, sendgridDown];

  beforeAll(async () => {
    for (const s of servers) await s.start();
    app = initializeApp(
      {
        projectId: FCM_PROJECT,
        credential: { getAccessToken: async () => ({ access_token: 'test-access-token', expires_in: 3600 }) },
        httpAgent: new LoopbackAgent(fcm.port),
      },
      'reliability-fcm',
    );
  });
  afterAll(async () => {
    await deleteApp(app);
    for (const s of servers) await s.stop();
  });

  /** The world's sandbox senders, sending through the real adapters to the loopback servers instead. */
  function wire(w: World, twilio: Loopback | undefined, sendgrid: Loopback | undefined) {
    const push = new FcmPushSender(() => app);
    w.providers.push.send = (messages) => push.send(messages);
    if (twilio) {
      const clients = new TwilioClientFactory({
        credentials: () => ({ accountSid: TWILIO_SID, authToken: TWILIO_TOKEN }),
        timeoutMs: 5_000,
        requestClientClass: loopbackRequestClient(twilio),
      });
      const sms = new TwilioSmsSender(clients, {
        sender: () => ({ messagingServiceSid: 'MG00000000000000000000000000000001' }),
      });
      w.providers.sms.send = (m) => sms.send(m);
    }
    if (sendgrid) {
      const email = new SendgridEmailSender({ apiKey: () => SENDGRID_KEY, baseUrl: sendgrid.url, timeoutMs: 5_000 });
      w.providers.email.send = (m) => email.send(m);
    }
    // Short timings (the shape of the production policy): a hanging call times out after 1 s. (Much shorter, and a
    // loaded event loop times out calls SendGrid accepted: the retry then sends a second copy.)
    Object.assign(w.providers.settings.resilience, { timeoutMs: 1_000, halfOpenAfterMs: 20 });
  }

  it('200 critical alerts, FCM answering 500 to everything: 200 of 200 reach the user by SMS; every record terminal with its errors', async () => {
    const w = await deliveryWorld();
    wire(w, undefined, undefined);
    const uids = await users(w, 200);
    await publishAll(
      w,
      uids.map((uid) => critical(uid)),
    );
    await pubsub(w);

    const smsTo = new Set(w.providers.sms.sent.map((m) => m.to));
    const reached = uids.filter((_, i) => smsTo.has(phoneOf(i)));
    expect(reached).toHaveLength(200);
    expect(w.providers.sms.sent).toHaveLength(200);
    expect(fcm.requests.length).toBeGreaterThan(0);
    const all = await deliveries(w);
    for (const d of all) expect(TERMINAL.has(d.status), `${d.deliveryId} ${d.status}`).toBe(true);
    const push = all.filter((d) => d.channel === 'push');
    expect(push).toHaveLength(200);
    for (const d of push) {
      expect(d).toMatchObject({ status: 'failed', fallbackTo: 'sms', fallbackPublished: true });
      expect(d.errors.length, d.deliveryId).toBeGreaterThan(0);
      expect(d.attempts).toBe(d.errors.length);
    }
    // Most never called FCM: the open breaker sent them on at once.
    expect(push.filter((d) => d.reason === 'circuit-open').length).toBeGreaterThan(150);
  }, 60_000);

  it('200 critical alerts, FCM failing, Twilio hanging, SendGrid throttling: 200 of 200 by email; no record left in sending', async () => {
    const w = await deliveryWorld();
    throttles = 5;
    wire(w, twilioHanging, sendgridThrottling);
    // Production's ratio: Pub/Sub's backoff (10 s, doubling) against the breaker's half-open delay (30 s).
    w.providers.settings.resilience.halfOpenAfterMs = 300;
    const uids = await users(w, 200);
    await publishAll(
      w,
      uids.map((uid) => critical(uid)),
    );
    await pubsub(w, { realMsPerRound: 100 });

    // Every user's address went over the wire to SendGrid and was accepted, once (5 answered 429 first).
    const accepted = sendgridThrottling.requests
      .slice(5)
      .map(
        (r) =>
          (JSON.parse(r.raw) as { personalizations: { to: { email: string }[] }[] }).personalizations[0]!.to[0]!.email,
      );
    expect(accepted).toHaveLength(200);
    expect(new Set(accepted)).toEqual(new Set(uids.map((uid) => `${uid}@studio.example`)));
    const all = await deliveries(w);
    expect(all).toHaveLength(600);
    for (const d of all) expect(TERMINAL.has(d.status), `${d.deliveryId} ${d.status}`).toBe(true);
    for (const d of all.filter((x) => x.channel !== 'email')) {
      expect(d.status).toBe('failed');
      expect(d.errors.length, d.deliveryId).toBeGreaterThan(0);
    }
    expect(all.filter((d) => d.channel === 'email' && d.status === 'sent')).toHaveLength(200);
    // A fallback SMS took its unit once, though Twilio never answered.
    const counters = await Promise.all(
      uids
        .slice(0, 20)
        .map(async (uid) => (await w.store.query(`${paths.user(uid)}/counters`)).map((s) => s.data?.count)),
    );
    for (const c of counters) expect(c.filter((x) => x !== undefined).every((x) => (x as number) <= 1)).toBe(true);
  }, 60_000);

  it('every provider failing: every record ends terminal with its errors, nothing stuck in sending; nothing is sent', async () => {
    const w = await deliveryWorld();
    wire(w, twilioDown, sendgridDown);
    const uids = await users(w, 40);
    await publishAll(w, [
      ...uids.slice(0, 30).map((uid) => critical(uid)),
      ...uids.slice(30).map((uid) => job('push', { uid, eventId: `plain-${uid}` })),
    ]);
    const { nacks } = await pubsub(w);
    expect(nacks).toBeGreaterThan(0);
    const all = await deliveries(w);
    expect(all).toHaveLength(30 * 3 + 10);
    for (const d of all) {
      expect(d.status, d.deliveryId).toBe('failed');
      expect(d.errors.length, d.deliveryId).toBeGreaterThan(0);
      expect(d.attempts, d.deliveryId).toBe(d.errors.length);
      expect(d.job, d.deliveryId).toBeUndefined();
    }
  }, 60_000);

  it('a non-critical alert is retried with backoff (Pub/Sub redeliveries), then recorded as failed with every attempt', async () => {
    const w = await deliveryWorld();
    wire(w, undefined, undefined);
    const j = job('push', { eventId: 'plain' });
    await device(w.store, 'u1', 'iphone');
    await publishAll(w, [j]);
    const { nacks } = await pubsub(w);
    const d = (await w.store.get(paths.delivery(j.deliveryId))).data as DeliveryDoc;
    expect(nacks).toBeGreaterThanOrEqual(2);
    expect(d).toMatchObject({ status: 'failed', provider: 'fcm' });
    expect(['retries-exhausted', 'circuit-open']).toContain(d.reason);
    expect(d.attempts).toBeGreaterThanOrEqual(w.providers.settings.resilience.giveUpAfterAttempts);
    expect(d.errors).toHaveLength(d.attempts);
    expect(w.providers.sms.sent).toHaveLength(0);
  }, 30_000);
});

describe('an open breaker counts toward giving up', () => {
  it('redeliveries refused by the breaker are recorded as attempts with an error until the budget is spent', async () => {
    const w = await deliveryWorld();
    Object.assign(w.providers.settings.resilience, { breakerThreshold: 1, halfOpenAfterMs: 60_000 });
    w.providers.email.fail = () => new ProviderError('sendgrid', true, '500', 'Internal Server Error');
    const first = job('email', { eventId: 'opens-breaker' });
    await expect(w.services.delivery.channels.handle('email', first)).rejects.toThrow();
    expect(w.services.delivery.policies.breakerState('sendgrid')).toBe('open');
    const j = job('email');
    for (let i = 1; i < 9; i++)
      await expect(w.services.delivery.channels.handle('email', j)).rejects.toThrow(/circuit/);
    await w.services.delivery.channels.handle('email', j);
    const d = (await w.store.get(paths.delivery(j.deliveryId))).data as DeliveryDoc;
    expect(d).toMatchObject({ status: 'failed', reason: 'circuit-open', attempts: 9 });
    expect(d.errors).toHaveLength(9);
    expect(d.errors.every((e) => e.code === 'circuit-open')).toBe(true);
  });

  it('a critical alert meeting an open breaker falls back at once', async () => {
    const w = await deliveryWorld();
    Object.assign(w.providers.settings.resilience, { breakerThreshold: 1, halfOpenAfterMs: 60_000 });
    await device(w.store, 'u1', 'iphone');
    w.providers.push.fail = () => new ProviderError('fcm', true, 'messaging/internal-error', 'Internal error');
    await expect(
      w.services.delivery.channels.handle('push', job('push', { eventId: 'opens-breaker' })),
    ).rejects.toThrow();
    const j = critical('u1', 'pay-1');
    await w.services.delivery.channels.handle('push', j);
    expect((await w.store.get(paths.delivery(j.deliveryId))).data).toMatchObject({
      status: 'failed',
      reason: 'circuit-open',
      attempts: 1,
      fallbackTo: 'sms',
      fallbackPublished: true,
    });
    expect(w.infra.publisher.on(TOPICS.sms).map((m) => (m.data as DeliveryJob).deliveryId)).toEqual([
      deliveryId('pay-1', 'u1', 'sms'),
    ]);
  });
});

describe('crashes after the claim', () => {
  async function crashedAfterClaim(n: number) {
    const w = await deliveryWorld();
    const uids = await users(w, n);
    const jobs = uids.map((uid) => job('push', { uid, eventId: `crash-${uid}` }));
    for (const j of jobs) {
      await queued(w.store, j);
      await w.infra.publisher.publish(TOPICS.push, j);
      expect(await w.services.delivery.repo.claim(j)).toMatchObject({ kind: 'claimed' }); // the first delivery died here
    }
    return { w, jobs };
  }

  it('20 push jobs whose first delivery died after its claim, redelivered 10 s later: all 20 sent exactly once', async () => {
    const { w, jobs } = await crashedAfterClaim(20);
    w.infra.clock.advance(10_000);
    const { nacks } = await pubsub(w);
    // Inside the lease each redelivery went back to Pub/Sub; after it, each job went out.
    expect(nacks).toBeGreaterThanOrEqual(20);
    expect(w.providers.push.sent).toHaveLength(20);
    expect(new Set(w.providers.push.sent.map((m) => m.data.deliveryId)).size).toBe(20);
    for (const j of jobs)
      expect((await w.store.get(paths.delivery(j.deliveryId))).data).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('the same 20 with their redeliveries lost: the sweeper republishes them, all 20 sent exactly once', async () => {
    const { w, jobs } = await crashedAfterClaim(20);
    await pubsub(w, { lose: () => true }); // Pub/Sub never delivers them again
    expect(w.providers.push.sent).toHaveLength(0);
    w.infra.clock.advance(SENDING_STUCK_AFTER_MS - 1);
    expect(await w.services.delivery.channels.sweeper.sweep()).toEqual({ republished: 0, failed: 0, fallbacks: 0 }); // not stuck yet
    w.infra.clock.advance(2);
    expect(await w.services.delivery.channels.sweeper.sweep()).toMatchObject({ republished: 20 });
    // Two overlapping runs: the second finds nothing to do.
    expect(await w.services.delivery.channels.sweeper.sweep()).toMatchObject({ republished: 0 });
    await pubsub(w);
    expect(w.providers.push.sent).toHaveLength(20);
    for (const j of jobs)
      expect((await w.store.get(paths.delivery(j.deliveryId))).data).toMatchObject({ status: 'sent', sweeps: 1 });
  });

  it('a job the sweeper republished MAX_SWEEPS times ends failed and a critical one falls back; a queued one never claimed ends failed', async () => {
    const w = await deliveryWorld();
    await device(w.store, 'u1', 'iphone');
    const j = critical('u1', 'pay-lost');
    await queued(w.store, j);
    await w.services.delivery.repo.claim(j);
    const lost = job('email', { eventId: 'never-arrived' });
    await queued(w.store, lost);
    for (let i = 0; i < MAX_SWEEPS; i++) {
      w.infra.clock.advance(SENDING_STUCK_AFTER_MS + 1);
      expect(await w.services.delivery.channels.sweeper.sweep()).toMatchObject({ republished: 1 });
    }
    w.infra.clock.advance(Math.max(SENDING_STUCK_AFTER_MS, QUEUED_STUCK_AFTER_MS) + 1);
    expect(await w.services.delivery.channels.sweeper.sweep()).toEqual({ republished: 0, failed: 2, fallbacks: 1 });
    const d = (await w.store.get(paths.delivery(j.deliveryId))).data as DeliveryDoc;
    expect(d).toMatchObject({
      status: 'failed',
      reason: 'stuck',
      sweeps: MAX_SWEEPS + 1,
      fallbackTo: 'sms',
      fallbackPublished: true,
    });
    expect(d.errors).toEqual([expect.objectContaining({ code: 'stuck', transient: false })]);
    expect(d.job).toBeUndefined();
    expect((await w.store.get(paths.delivery(lost.deliveryId))).data).toMatchObject({
      status: 'failed',
      reason: 'never-claimed',
      errors: [expect.objectContaining({ code: 'never-claimed' })],
    });
    // The fallback goes out once its job arrives; the republished push jobs that finally arrive change nothing.
    await pubsub(w);
    expect(w.providers.sms.sent).toHaveLength(1);
    expect(w.providers.push.sent).toHaveLength(0);
  });

  it('a failed critical delivery whose fallback was never published (died between the writes) is published by the sweeper', async () => {
    const w = await deliveryWorld();
    const j = critical('u1', 'pay-half');
    await queued(w.store, j);
    await w.services.delivery.repo.claim(j);
    await w.services.delivery.repo.recordFailed(j.deliveryId, 'failed', {
      reason: 'no-device',
      attempts: 0,
      errors: [],
      fallbackTo: 'sms',
    }); // then died
    expect(await w.services.delivery.channels.sweeper.sweep()).toMatchObject({ fallbacks: 0 }); // its handler may still be at it
    w.infra.clock.advance(5 * 60_000 + 1);
    expect(await w.services.delivery.channels.sweeper.sweep()).toMatchObject({ fallbacks: 1 });
    expect(await w.services.delivery.channels.sweeper.sweep()).toMatchObject({ fallbacks: 0 });
    await pubsub(w);
    expect(w.providers.sms.sent).toHaveLength(1);
    expect((await w.store.get(paths.delivery(j.deliveryId))).data).toMatchObject({ fallbackPublished: true });
  });
});
