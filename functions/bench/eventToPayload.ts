/**
 * Event → provider payload latency: N events, each to one recipient who has push, SMS and email on for its type, one
 * at a time through the same handlers the Cloud Functions run (domain-events → pipeline → deliver-push|sms|email →
 * channel delivery → provider sender), over the in-memory adapters. Latency is from publishing the event to the last
 * of its three provider payloads (the time the sender received it). Providers are the in-memory senders (what would
 * go out, captured): through the real SDKs to loopback fakes, each payload costs an HTTP round trip on this machine
 * (0.5-2 ms, more under load) that measures the SDK and the kernel, not this code, and would dominate the figure.
 *
 *   npx tsx bench/eventToPayload.ts [events=1000] [warmup=50]
 */
import { connectMemoryBus, memoryInfra } from '../src/composition/memory.js';
import { buildServices } from '../src/composition/services.js';
import { DEFAULT_SETTINGS } from '../src/config.js';
import { TOPICS } from '../src/domain/channels.js';
import { paths } from '../src/domain/paths.js';

const events = Number(process.argv[2] ?? 1_000);
const warmup = Number(process.argv[3] ?? 50);

// A weekday afternoon in UTC: no quiet or working hours hold anything back.
const infra = memoryInfra({ now: '2026-06-10T14:00:00Z', settings: DEFAULT_SETTINGS });
const services = buildServices(infra, DEFAULT_SETTINGS);
connectMemoryBus(services, infra.publisher);

/** When each delivery's payload reached its provider sender, by recipient. */
const lastPayloadAt = new Map<string, number>();
const payloads = new Map<string, number>();
const mark = (uid: string) => {
  lastPayloadAt.set(uid, performance.now());
  payloads.set(uid, (payloads.get(uid) ?? 0) + 1);
};
const { push, sms, email } = infra.delivery;
const sendPush = push.send.bind(push);
push.send = async (messages) => {
  const results = await sendPush(messages);
  for (const m of messages) mark(m.token.split('-')[1] ?? '');
  return results;
};
const sendSms = sms.send.bind(sms);
sms.send = async (message) => {
  const receipt = await sendSms(message);
  mark(uidByPhone.get(message.to) ?? '');
  return receipt;
};
const sendEmail = email.send.bind(email);
email.send = async (message) => {
  const result = await sendEmail(message);
  mark(message.customArgs.uid ?? '');
  return result;
};
const uidByPhone = new Map<string, string>();

const uidOf = (i: number) => `r${String(i).padStart(6, '0')}`;

async function seed(total: number) {
  const at = infra.clock.now();
  for (let i = 0; i < total; i++) {
    const uid = uidOf(i);
    const phone = `+1212${String(5_000_000 + i).padStart(7, '0')}`;
    uidByPhone.set(phone, uid);
    await infra.store.set(paths.user(uid), {
      displayName: `Buyer ${i}`,
      kind: 'collector',
      email: `${uid}@buyers.example`,
      emailVerified: true,
      phone,
      phoneVerified: true,
      timeZone: 'UTC',
      locale: 'en',
    });
    await infra.store.set(paths.preferences(uid), { types: { 'order.shipped': { channels: { sms: true } } } });
    await infra.store.set(paths.device(uid, 'phone'), {
      deviceId: 'phone',
      token: `token-${uid}-${'x'.repeat(20)}`,
      platform: 'ios',
      appVersion: '3.4.1',
      locale: 'en',
      lastSeenAt: at,
      createdAt: at,
    });
  }
}

/** CPU milliseconds of this process per event (user + system): what the event cost, whatever the machine's load. */
const cpuPerEvent: number[] = [];

async function oneEvent(i: number): Promise<number> {
  const uid = uidOf(i);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await infra.publisher.publish(TOPICS.domainEvents, {
    type: 'order.shipped',
    idempotencyKey: `ship-${i}`,
    occurredAt: '2026-06-10T13:59:00Z',
    payload: {
      orderId: `o${i}`,
      itemTitle: 'Walnut bowl',
      buyerId: uid,
      carrier: 'UPS',
      trackingNumber: `1Z${i}`,
    },
  });
  await infra.publisher.drain();
  if (payloads.get(uid) !== 3) throw new Error(`${uid}: ${payloads.get(uid) ?? 0} provider payloads, expected 3`);
  const used = process.cpuUsage(cpu);
  // The in-memory publisher and logger keep every message and line for test assertions; the cloud keeps neither.
  // Left to grow, they are what every young-generation GC must copy (the tail of this figure), so they are emptied.
  infra.publisher.published.length = 0;
  infra.logger.lines.length = 0;
  cpuPerEvent.push((used.user + used.system) / 1000);
  return lastPayloadAt.get(uid)! - started;
}

async function main() {
  await seed(warmup + events);
  for (let i = 0; i < warmup; i++) await oneEvent(events + i);
  cpuPerEvent.length = 0;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  const latencies: number[] = [];
  for (let i = 0; i < events; i++) latencies.push(await oneEvent(i));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const quantiles = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(2));
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
  };
  console.log(
    JSON.stringify(
      {
        events,
        providers: 'memory (in-process senders)',
        payloadsPerEvent: 3,
        ms: quantiles(latencies),
        cpuMsPerEvent: quantiles(cpuPerEvent),
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
