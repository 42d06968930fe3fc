/**
 * Time-critical alerts in bursts (issue 18, "Outbid alerts within 5 seconds"): event → FCM provider call for every
 * alert of a burst, over the in-memory stack (domain-events → pipeline → deliver-push → channel delivery → the push
 * sender, the port firebase-admin's adapter implements; the time is taken when the sender is called, i.e. just before
 * FCM's network call). Each series item is one auction with:
 * - a burst of 3 bids, 2 s apart (the clock is moved): each tells the seller (auction.bid_placed) and outbids the
 *   previous high bidder (auction.outbid, critical), a per-recipient transaction each (`deliverToRecipient`);
 * - auction.ending_soon twice within the minute (an extended auction) to its 20 watchers, an audience, so a fan-out
 *   chunk (`deliverChunk`);
 * - order.payment_failed twice for the auction's order (the buyer's card fails again).
 * Every one of these alerts must be pushed, none held for the burst window: the benchmark fails if one is missing.
 * Latency is per (event, recipient): from publishing the event to the push sender's call carrying it.
 *
 *   npx tsx bench/burstAlerts.ts [auctions=100] [warmup=10]
 */
import { connectMemoryBus, memoryInfra } from '../src/composition/memory.js';
import { buildServices } from '../src/composition/services.js';
import { DEFAULT_SETTINGS } from '../src/config.js';
import { audiencePaths } from '../src/app/notifications/audience.js';
import { eventIdFor } from '../src/app/notifications/eventPipeline.js';
import { TOPICS } from '../src/domain/channels.js';
import { paths } from '../src/domain/paths.js';

const auctions = Number(process.argv[2] ?? 100);
const warmup = Number(process.argv[3] ?? 10);
const WATCHERS = 20;
const BIDS = 3;

// A weekday afternoon in UTC: no quiet or working hours hold anything back; only the burst window could.
const infra = memoryInfra({ now: '2026-06-10T14:00:00Z', settings: DEFAULT_SETTINGS });
const services = buildServices(infra, DEFAULT_SETTINGS);
connectMemoryBus(services, infra.publisher);

/** When the push sender was called for (eventId, token). */
const calledAt = new Map<string, number>();
const { push } = infra.delivery;
const sendPush = push.send.bind(push);
push.send = async (messages) => {
  const at = performance.now();
  for (const m of messages) calledAt.set(`${m.data.eventId}|${m.token}`, at);
  return sendPush(messages);
};

const tokenOf = (uid: string) => `token-${uid}-${'x'.repeat(20)}`;

async function user(uid: string) {
  const at = infra.clock.now();
  await infra.store.set(paths.user(uid), {
    displayName: uid,
    kind: 'collector',
    email: `${uid}@buyers.example`,
    emailVerified: true,
    phone: '+12125550100',
    phoneVerified: true,
    timeZone: 'UTC',
    locale: 'en',
  });
  await infra.store.set(paths.device(uid, 'phone'), {
    deviceId: 'phone',
    token: tokenOf(uid),
    platform: 'android',
    appVersion: '3.4.1',
    locale: 'en',
    lastSeenAt: at,
    createdAt: at,
  });
}

async function seed(a: number) {
  await user(`seller${a}`);
  for (let b = 0; b <= BIDS; b++) await user(`bidder${a}_${b}`);
  for (let w = 0; w < WATCHERS; w++) {
    const uid = `watcher${a}_${w}`;
    await user(uid);
    await infra.store.set(audiencePaths.watcher(`auc${a}`, uid), { uid });
  }
}

type Kind = 'auction.bid_placed' | 'auction.outbid' | 'auction.ending_soon' | 'order.payment_failed';
const latencies: Record<Kind, number[]> = {
  'auction.bid_placed': [],
  'auction.outbid': [],
  'auction.ending_soon': [],
  'order.payment_failed': [],
};
let held = 0;

/** Publishes one event, drains the bus, and takes each expected recipient's event → push call latency. */
async function event(envelope: Record<string, unknown>, expect: Array<[Kind, string]>, record: boolean) {
  const eventId = eventIdFor(String(envelope.idempotencyKey));
  const started = performance.now();
  await infra.publisher.publish(TOPICS.domainEvents, envelope);
  await infra.publisher.drain();
  for (const [kind, uid] of expect) {
    const at = calledAt.get(`${eventId}|${tokenOf(uid)}`);
    if (at === undefined) {
      held++;
      continue;
    }
    if (record) latencies[kind].push(at - started);
  }
  // The in-memory publisher and logger keep every message and line for test assertions; the cloud keeps neither.
  infra.publisher.published.length = 0;
  infra.logger.lines.length = 0;
  calledAt.clear();
}

async function series(a: number, record: boolean) {
  const title = `Walnut bowl ${a}`;
  const at = () => infra.clock.now().toISOString();
  for (let b = 1; b <= BIDS; b++) {
    await event(
      {
        type: 'auction.bid_placed',
        idempotencyKey: `bid-${a}-${b}`,
        occurredAt: at(),
        payload: {
          auctionId: `auc${a}`,
          auctionTitle: title,
          sellerId: `seller${a}`,
          bidderId: `bidder${a}_${b}`,
          bidderName: `Bidder ${b}`,
          amount: 100 + b * 10,
          currency: 'USD',
          // The same bidder outbid three times: one burst of outbid alerts too.
          previousBidderId: `bidder${a}_0`,
        },
      },
      [
        ['auction.bid_placed', `seller${a}`],
        ['auction.outbid', `bidder${a}_0`],
      ],
      record,
    );
    infra.clock.advance(2_000);
  }
  for (const minutesLeft of [10, 9]) {
    await event(
      {
        type: 'auction.ending_soon',
        idempotencyKey: `ending-${a}-${minutesLeft}`,
        occurredAt: at(),
        payload: { auctionId: `auc${a}`, auctionTitle: title, endsAt: '2026-06-10T15:00:00Z', minutesLeft },
        audience: { kind: 'auctionWatchers', auctionId: `auc${a}` },
      },
      Array.from({ length: WATCHERS }, (_, w): [Kind, string] => ['auction.ending_soon', `watcher${a}_${w}`]),
      record,
    );
    infra.clock.advance(2_000);
  }
  for (const attempt of [1, 2]) {
    await event(
      {
        type: 'order.payment_failed',
        idempotencyKey: `pay-${a}-${attempt}`,
        occurredAt: at(),
        payload: {
          orderId: `ord${a}`,
          itemTitle: title,
          buyerId: `bidder${a}_3`,
          amount: 130,
          currency: 'USD',
          reason: attempt === 1 ? 'card_declined' : 'insufficient_funds',
        },
      },
      [['order.payment_failed', `bidder${a}_3`]],
      record,
    );
    infra.clock.advance(2_000);
  }
  // Each auction has its own users and groups, so its bursts are its own; the clock moves on only 14 s per auction and
  // the series stays in the afternoon (no quiet hours at 22:00 UTC to hold anything).
}

const quantiles = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(2));
  return sorted.length === 0 ? {} : { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
};

async function main() {
  for (let a = 0; a < warmup + auctions; a++) await seed(a);
  for (let a = auctions; a < auctions + warmup; a++) await series(a, false);
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  for (let a = 0; a < auctions; a++) await series(a, true);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  if (held > 0) throw new Error(`${held} time-critical alerts never reached the push sender (held for a window?)`);
  const all = Object.values(latencies).flat();
  console.log(
    JSON.stringify(
      {
        auctions,
        perAuction: `${BIDS} bids (seller + outbid bidder), 2 ending_soon to ${WATCHERS} watchers, 2 payment_failed`,
        providers: 'memory push sender (the port the FCM adapter implements), timed at its call',
        ms: quantiles(all),
        byType: Object.fromEntries(Object.entries(latencies).map(([kind, xs]) => [kind, quantiles(xs)])),
        held,
        seconds: Number(seconds.toFixed(2)),
        cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
        node: process.version,
      },
      null,
      2,
    ),
  );
}

void main();
