import { paths } from '../domain/paths.js';
import { errorText } from '../domain/errors.js';
import { Evidence } from './evidence.js';
import type { LocalSystem } from './localSystem.js';
import type { OutputFiles } from './outputs.js';
import { Transcript, format, localTime } from './transcript.js';
import { analyticsStep } from './scenarioAnalytics.js';
import { ordersStep } from './scenarioOrders.js';
import { schedulingStep } from './scenarioScheduling.js';
import { activityStep } from './scenarioActivity.js';
import { announcementsStep } from './scenarioAnnouncements.js';
import { notificationCenterStep } from './scenarioNotificationCenter.js';
import { limitsStep } from './scenarioLimits.js';

/**
 * The end-to-end scenario of `npm start` (and, smaller, of test/unit/local/scenario.test.ts). Each step acts the way
 * its real caller would — the commerce service writes events/ or calls publishEvent, apps call callables or write the
 * documents the rules let them write — then reads back what the system stored and the providers captured, and says
 * only that. Steps are independent of each other's success: a failure is recorded and the run goes on.
 */

export interface ScenarioContext {
  system: LocalSystem;
  transcript: Transcript;
  evidence: Evidence;
  /** Things the run noticed that are wrong (a step that threw, a trigger or handler that failed). */
  problems: string[];
  /** Files a step produced (exports), by path under out/. */
  files: OutputFiles;
}

export interface Step {
  id: StepId;
  title: string;
  /** Scenario time the step happens at (ISO, UTC). */
  at: string;
  run(ctx: ScenarioContext): Promise<void>;
}

export const STEP_IDS = [
  'outbid',
  'auctionWon',
  'paymentFailed',
  'commission',
  'digest',
  'direct',
  'group',
  'richMessages',
  'moderation',
  'search',
  'exports',
  'analytics',
  'ordersAndFollowing',
  'scheduling',
  'activityFeed',
  'announcements',
  'notificationCenter',
  'limitsPerRole',
] as const;
export type StepId = (typeof STEP_IDS)[number];

/** Monday 23 November 2026, 08:00 UTC: early in the Americas, morning in Europe, evening in Asia. */
export const SCENARIO_START = '2026-11-23T08:00:00Z';

const commerce = (ctx: ScenarioContext) => ctx.system.as('svc_commerce');

/** The commerce service writes an event document through the Admin SDK; the events/{eventId} trigger does the rest. */
async function writeEvent(ctx: ScenarioContext, eventId: string, event: Record<string, unknown>): Promise<string> {
  await ctx.system.infra.store.create(paths.event(eventId), {
    ...event,
    occurredAt: ctx.system.clock.now().toISOString(),
  });
  await ctx.system.functions.settle();
  return eventId;
}

/** The commerce service calls publishEvent (service role); returns the event id the pipeline assigned. */
async function publishEvent(ctx: ScenarioContext, event: Record<string, unknown>): Promise<string> {
  const result = await ctx.system.functions.call<{ eventId: string; status: string }>(
    'publishEvent',
    { ...event, occurredAt: ctx.system.clock.now().toISOString() },
    commerce(ctx),
  );
  return result.eventId;
}

async function reportEvent(ctx: ScenarioContext, eventId: string): Promise<void> {
  const event = (await ctx.system.store.get(paths.event(eventId))).data;
  ctx.transcript.line(`events/${eventId}: ${String(event?.type)} → ${String(event?.status)}`);
  for (const line of await ctx.evidence.describeEvent(eventId)) ctx.transcript.detail(line);
}

export const STEPS: readonly Step[] = [
  {
    id: 'outbid',
    title: '1. A bid outbids someone',
    at: SCENARIO_START,
    async run(ctx) {
      ctx.transcript.line(
        'Ben bids USD 195 on "Walnut bowl, hand-turned" over Jonas\'s USD 180 (commerce service writes events/)',
      );
      const eventId = await writeEvent(ctx, 'bid_auc_walnut_bowl_0004', {
        type: 'auction.bid_placed',
        idempotencyKey: 'auction:auc_walnut_bowl:bid:4',
        payload: {
          auctionId: 'auc_walnut_bowl',
          auctionTitle: 'Walnut bowl, hand-turned',
          sellerId: 'u_maya',
          bidderId: 'u_ben',
          bidderName: 'Ben Carter',
          amount: 195,
          currency: 'USD',
          previousBidderId: 'u_jonas',
        },
      });
      await reportEvent(ctx, eventId);
    },
  },
  {
    id: 'auctionWon',
    title: '2. An auction is won',
    at: '2026-11-23T12:00:00Z',
    async run(ctx) {
      ctx.transcript.line(
        '"Indigo block-print shawl" closes; Priya wins at USD 95 (commerce service calls publishEvent)',
      );
      const eventId = await publishEvent(ctx, {
        type: 'auction.won',
        idempotencyKey: 'auction:auc_indigo_shawl:won',
        payload: {
          auctionId: 'auc_indigo_shawl',
          auctionTitle: 'Indigo block-print shawl',
          winnerId: 'u_priya',
          sellerId: 'u_arjun',
          amount: 95,
          currency: 'USD',
        },
      });
      await reportEvent(ctx, eventId);
    },
  },
  {
    id: 'paymentFailed',
    title: '3. A payment fails: the critical path',
    at: '2026-11-23T12:10:00Z',
    async run(ctx) {
      // Diego's only phone was reinstalled: FCM no longer knows its token (the sandbox answers as FCM would).
      const devices = await ctx.system.store.query(paths.devices('u_diego'));
      for (const d of devices) ctx.system.senders.push.deadTokens.add(String(d.data?.token));
      ctx.transcript.line(
        `Diego's card is declined for order ord_1004; FCM will answer "not registered" for his ${devices.length} device token(s)`,
      );
      const eventId = await publishEvent(ctx, {
        type: 'order.payment_failed',
        idempotencyKey: 'order:ord_1004:payment_failed:1',
        payload: {
          orderId: 'ord_1004',
          itemTitle: 'Silver filigree earrings',
          buyerId: 'u_diego',
          amount: 150,
          currency: 'USD',
          reason: 'card_declined',
        },
      });
      await reportEvent(ctx, eventId);
      const push = (await ctx.evidence.deliveries(eventId)).find((d) => d.channel === 'push');
      ctx.transcript.line(
        `critical: sent at once on the channels Diego chose (working hours and digests do not hold it); the push job carried fallback [${push?.fallback?.join(', ') ?? ''}]${push?.fallbackTo ? `, fell back to ${push.fallbackTo}` : ''}`,
      );
      const left = await ctx.system.store.query(paths.devices('u_diego'));
      ctx.transcript.line(
        `users/u_diego/devices: ${devices.length} before, ${left.length} after (dead tokens are pruned)`,
      );
    },
  },
  {
    id: 'commission',
    title: "4. A $2,500 commission request, after the creator's working hours",
    at: '2026-11-23T23:30:00Z',
    async run(ctx) {
      const maya = await ctx.evidence.user('u_maya');
      ctx.transcript.line(`It is ${localTime(ctx.system.clock.now(), maya.zone)}: Maya works Mon–Fri 09:00–17:00`);
      const eventId = await publishEvent(ctx, {
        type: 'commerce.commission_request',
        idempotencyKey: 'commission:req_2500',
        payload: {
          requestId: 'req_2500',
          creatorId: 'u_maya',
          collectorId: 'u_liam',
          collectorName: 'Liam Walsh',
          description: 'A set of six nesting walnut bowls for a restaurant opening',
          amount: 2500,
          currency: 'USD',
        },
      });
      await reportEvent(ctx, eventId);

      ctx.transcript.line('Then a non-critical burst for Maya: three craft inquiries and two new followers');
      const burst: Array<Record<string, unknown>> = [
        ...['Ana', 'Kofi', 'Mei'].map((name, i) => ({
          type: 'commerce.craft_inquiry',
          idempotencyKey: `inquiry:inq_${i + 1}`,
          payload: {
            inquiryId: `inq_${i + 1}`,
            creatorId: 'u_maya',
            collectorId: 'u_zoe',
            collectorName: name,
            craftTitle: 'Walnut serving board',
            message: 'Do you ship to Canada?',
          },
        })),
        ...[
          ['u_kenji', 'Kenji Watanabe'],
          ['u_grace', 'Grace Liu'],
        ].map(([id, name]) => ({
          type: 'social.new_follower',
          idempotencyKey: `follow:u_maya:${id}`,
          payload: { creatorId: 'u_maya', followerId: id, followerName: name },
        })),
      ];
      const burstStart = ctx.system.clock.now();
      for (const event of burst) {
        ctx.system.clock.advance(60_000);
        const id = await publishEvent(ctx, event);
        const held = (await ctx.evidence.deliveries(id)).filter((d) => d.status === 'batched');
        ctx.transcript.detail(
          `${String(event.type)}: ${held.map((d) => `${d.channel} held (${d.reason}) until ${d.releaseAt ? localTime(d.releaseAt, maya.zone) : '?'}`).join(', ') || 'nothing held'}`,
        );
      }
      const center = await ctx.system.store.query(paths.notifications('u_maya'), {
        where: [['updatedAt', '>', burstStart]],
      });
      ctx.transcript.detail(
        `in-app center (silent, immediate): ${center.map((n) => `"${String(n.data?.title)}"${Number(n.data?.count) > 1 ? ` ×${String(n.data?.count)}` : ''}`).join(', ')}`,
      );
      const pending = await ctx.system.store.query('digests', {
        where: [
          ['uid', '==', 'u_maya'],
          ['status', '==', 'pending'],
        ],
      });
      for (const d of pending) {
        const items = Object.values((d.data?.items ?? {}) as Record<string, { channel: string; count: number }>);
        ctx.transcript.detail(
          `digests/${d.id}: pending, ${items.length} item(s) (${items.map((i) => `${i.channel}×${i.count}`).join(', ')}), releases ${localTime(d.data!.releaseAt as Date, maya.zone)}`,
        );
      }
    },
  },
  {
    id: 'digest',
    title: '5. Her working day starts: the burst leaves as one digest',
    at: '2026-11-24T14:00:00Z',
    async run(ctx) {
      const maya = await ctx.evidence.user('u_maya');
      ctx.transcript.line(
        `Clock moved to ${localTime(ctx.system.clock.now(), maya.zone)}; the scheduled digest release ran`,
      );
      const released = await ctx.system.store.query('digests', {
        where: [
          ['uid', '==', 'u_maya'],
          ['status', '==', 'released'],
        ],
      });
      for (const digest of released) {
        const eventId = `digest_${digest.id}`;
        const deliveries = await ctx.evidence.deliveries(eventId);
        ctx.transcript.detail(
          `digests/${digest.id}: released ${localTime(digest.data!.releasedAt as Date, maya.zone)}`,
        );
        for (const d of deliveries) {
          ctx.transcript.detail(
            `   ${await ctx.evidence.describeDelivery(d, maya.zone)}  (stands for ${d.batchedDeliveryIds?.length ?? 0} held deliveries)`,
          );
        }
      }
    },
  },
  {
    id: 'direct',
    title: '6. A direct conversation: typing, read receipts',
    at: '2026-11-24T15:00:00Z',
    async run(ctx) {
      const { functions, store, clock } = ctx.system;
      const ben = ctx.system.as('u_ben');
      const maya = ctx.system.as('u_maya');
      const { conversationId: cid } = await functions.call<{ conversationId: string; created: boolean }>(
        'createDirectConversation',
        { otherUid: 'u_maya' },
        ben,
      );
      ctx.transcript.line(
        `Ben opens a direct conversation with Maya: conversations/${cid} (${(await store.get(paths.conversation(cid))).data?.type as string})`,
      );
      // Apps write their own typing indicator straight to Firestore (firestore.rules: self only, at most 10 s ahead).
      await ctx.system.infra.store.set(paths.typing(cid, 'u_ben'), {
        expiresAt: new Date(clock.now().getTime() + 8_000),
      });
      // As apps do: read the typing documents and drop the expired ones (expiresAt is a TTL field, not indexed).
      const typing = (await store.query(`${paths.conversation(cid)}/typing`)).filter(
        (t) => (t.data?.expiresAt as Date) > clock.now(),
      );
      ctx.transcript.detail(
        `typing now: ${typing.map((t) => t.id).join(', ')} (expires ${(typing[0]?.data?.expiresAt as Date | undefined)?.toISOString().slice(11, 19)} UTC)`,
      );
      clock.advance(6_000);
      const sent = await functions.call<{ messageId: string }>(
        'sendMessage',
        {
          conversationId: cid,
          type: 'text',
          clientMessageId: 'c-ben-001',
          text: 'Hi Maya! Could the walnut bowl come with a matching lid?',
        },
        ben,
      );
      await store.delete(paths.typing(cid, 'u_ben'));
      const mayaMember = (await store.get(paths.member(cid, 'u_maya'))).data;
      const summary = (await store.get(paths.conversation(cid))).data?.lastMessage as { preview?: string } | undefined;
      ctx.transcript.detail(
        `message ${sent.messageId} stored; summary "${summary?.preview}"; Maya's unreadCount ${String(mayaMember?.unreadCount)}`,
      );
      const pushEvent = (await store.query(paths.events(), { where: [['type', '==', 'messaging.new_message']] })).find(
        (e) => e.data?.idempotencyKey === `message:${cid}/${sent.messageId}`,
      );
      if (pushEvent) for (const line of await ctx.evidence.describeEvent(pushEvent.id)) ctx.transcript.detail(line);
      else ctx.transcript.detail('no new-message notification recorded');

      clock.advance(4 * 60_000);
      const read = await functions.call<{ lastReadAt: string }>('markConversationRead', { conversationId: cid }, maya);
      const after = (await store.get(paths.member(cid, 'u_maya'))).data;
      const readMessage = (await store.get(paths.message(cid, sent.messageId))).data;
      const seen = (after?.lastReadAt as Date) >= (readMessage?.createdAt as Date);
      ctx.transcript.detail(
        `Maya opens it: lastReadAt ${read.lastReadAt.slice(11, 19)} UTC, unreadCount ${String(after?.unreadCount)} → Ben's app shows "Seen" (${seen ? 'lastReadAt ≥ message createdAt' : 'not yet'})`,
      );
    },
  },
  {
    id: 'group',
    title: '7. A group with roles, and a denied action',
    at: '2026-11-24T15:10:00Z',
    async run(ctx) {
      const { functions, store } = ctx.system;
      const cid = 'grp_indigo_collective';
      const roles = (await store.query(`${paths.conversation(cid)}/members`)).map(
        (m) => `${m.id}:${String(m.data?.role)}`,
      );
      ctx.transcript.line(`Indigo Collective members: ${roles.join(', ')}`);
      await functions.call('setRole', { conversationId: cid, uid: 'u_sofia', role: 'admin' }, ctx.system.as('u_arjun'));
      ctx.transcript.detail(
        `owner Arjun makes Sofia an admin → her member doc says ${String((await store.get(paths.member(cid, 'u_sofia'))).data?.role)}`,
      );
      for (const [who, action, data, label] of [
        [
          'u_omar',
          'updateGroup',
          { conversationId: cid, title: "Omar's indigo club" },
          'member Omar renames the group',
        ],
        [
          'u_zoe',
          'sendMessage',
          {
            conversationId: 'grp_glass_guild',
            type: 'text',
            clientMessageId: 'c-zoe-001',
            text: 'Can I book the kiln?',
          },
          'member Zoe posts in the announcement-only Glass Guild',
        ],
      ] as const) {
        try {
          await functions.call(action, data, ctx.system.as(who));
          ctx.transcript.detail(`${label} → allowed (unexpected)`);
          ctx.problems.push(`${label} was allowed`);
        } catch (error) {
          const e = error as { code?: string; message?: string };
          ctx.transcript.detail(`${label} → denied: ${e.code ?? ''} "${errorText(error)}"`);
        }
      }
      const title = (await store.get(paths.conversation(cid))).data?.title;
      const zoeMessages = (
        await store.query(paths.messages('grp_glass_guild'), { where: [['senderId', '==', 'u_zoe']] })
      ).length;
      ctx.transcript.detail(
        `stored afterwards: title still "${String(title)}", Zoe's messages in Glass Guild: ${zoeMessages}`,
      );
    },
  },
  {
    id: 'richMessages',
    title: '8. A material-spec message and a media message',
    at: '2026-11-24T15:20:00Z',
    async run(ctx) {
      const { functions, store } = ctx.system;
      const spec = await functions.call<{ conversationId: string; messageId: string }>(
        'sendMessage',
        {
          conversationId: 'grp_indigo_collective',
          type: 'material_spec',
          clientMessageId: 'c-arjun-spec-2',
          materialSpec: {
            material: 'Organic cotton khadi',
            quantity: 12,
            unit: 'm',
            colour: 'undyed',
            supplier: 'Ahmedabad weavers',
            notes: 'Scour before the vat',
          },
        },
        ctx.system.as('u_arjun'),
      );
      const media = await functions.call<{ conversationId: string; messageId: string }>(
        'sendMessage',
        {
          conversationId: 'dm_u_ben_u_maya',
          type: 'image',
          clientMessageId: 'c-maya-img-1',
          text: 'Lid prototype, oiled',
          attachments: [
            {
              kind: 'image',
              path: 'conversations/dm_u_ben_u_maya/u_maya/lid-prototype.jpg',
              contentType: 'image/jpeg',
              size: 734_221,
              name: 'lid-prototype.jpg',
            },
          ],
        },
        ctx.system.as('u_maya'),
      );
      for (const ref of [spec, media]) {
        const m = (await store.get(paths.message(ref.conversationId, ref.messageId))).data;
        const summary = (await store.get(paths.conversation(ref.conversationId))).data?.lastMessage as
          { preview?: string } | undefined;
        const indexed = ctx.system.messageIndex.records.get(ref.messageId);
        ctx.transcript.line(
          `${ref.conversationId}/${ref.messageId}: ${String(m?.type)} stored; summary "${summary?.preview}"; search index ${indexed ? `✓ (${indexed.type}, visible to ${indexed.visibleTo.length})` : '✗'}`,
        );
      }
      const unread = await store.query(`${paths.conversation('grp_indigo_collective')}/members`);
      ctx.transcript.detail(
        `Indigo unread counts: ${unread.map((m) => `${m.id} ${String(m.data?.unreadCount)}`).join(', ')}`,
      );
    },
  },
  {
    id: 'moderation',
    title: '9. A moderation flag',
    at: '2026-11-24T15:30:00Z',
    async run(ctx) {
      const { functions, store } = ctx.system;
      const sent = await functions.call<{ conversationId: string; messageId: string }>(
        'sendMessage',
        {
          conversationId: 'dm_u_ben_u_maya',
          type: 'text',
          clientMessageId: 'c-ben-002',
          text: 'Can I just pay you on PayPal directly and skip the fees?',
        },
        ctx.system.as('u_ben'),
      );
      const items = await store.query(paths.moderationQueue(), { where: [['messageId', '==', sent.messageId]] });
      const item = items[0];
      ctx.transcript.line(
        `Ben: "Can I just pay you on PayPal directly and skip the fees?" → moderationQueue/${item?.id ?? '—'}: ${item ? `${String(item.data?.status)}, reasons [${(item.data?.reasons as string[]).join(', ')}]` : 'not flagged'}`,
      );
      if (item) {
        await functions.call(
          'decideModeration',
          { itemId: item.id, action: 'warn', note: 'Reminded about on-platform payments' },
          ctx.system.as('u_admin'),
        );
        const decided = (await store.get(`${paths.moderationQueue()}/${item.id}`)).data;
        const audit = await store.query(paths.auditLog(), {
          where: [['target.id', '==', `${sent.conversationId}/${sent.messageId}`]],
        });
        ctx.transcript.detail(
          `admin Rita decides "warn" → status ${String(decided?.status)}; auditLog: ${audit.map((a) => `${String(a.data?.action)} by ${String(a.data?.actorUid)}`).join(', ')}`,
        );
      }
    },
  },
  {
    id: 'search',
    title: '10. Message search, limited to what each user may read',
    at: '2026-11-24T15:40:00Z',
    async run(ctx) {
      for (const [uid, query] of [
        ['u_priya', 'indigo'],
        ['u_maya', 'walnut'],
        ['u_omar', 'walnut'],
      ] as const) {
        const result = await ctx.system.functions.call<{
          hits: Array<{ conversationId: string; senderName: string; text: string }>;
          nbHits: number;
          degraded?: boolean;
        }>('searchMessages', { query }, ctx.system.as(uid));
        ctx.transcript.line(
          `${uid} searches "${query}": ${result.nbHits} hit(s)${result.degraded ? ' (degraded)' : ''}`,
        );
        for (const hit of result.hits.slice(0, 3))
          ctx.transcript.detail(
            `${hit.conversationId} · ${hit.senderName}: ${hit.text.replace(/\s+/g, ' ').slice(0, 70)}`,
          );
      }
    },
  },
  {
    id: 'exports',
    title: '11. A conversation export (JSON, CSV, PDF) and a GDPR data export',
    at: '2026-11-24T16:00:00Z',
    async run(ctx) {
      const { functions, exportStorage } = ctx.system;
      const save = (result: { path: string; bytes: number }, name: string) => {
        const object = exportStorage.objects.get(result.path);
        if (object) ctx.files.set(`exports/${name}`, object.bytes);
        return object;
      };
      const exportCall = (name: 'exportConversation' | 'exportMyData', data: Record<string, unknown>, uid: string) =>
        functions.call<{ exportId: string; path: string; bytes: number }>(name, data, ctx.system.as(uid));
      for (const format of ['json', 'csv', 'pdf'] as const) {
        const result = await exportCall(
          'exportConversation',
          { conversationId: 'dm_u_ben_u_maya', format },
          'u_compliance',
        );
        const object = save(result, `dm_u_ben_u_maya.${format}`);
        const job = (await ctx.system.store.get(paths.exportJob(result.exportId))).data;
        ctx.transcript.line(
          `compliance exports dm_u_ben_u_maya as ${format}: exports/${result.exportId} ${String(job?.status)}, ${object?.bytes.length ?? 0} bytes stored (${object?.contentType ?? 'missing'}) [out/exports/dm_u_ben_u_maya.${format}]`,
        );
      }
      const mine = await exportCall('exportMyData', {}, 'u_ben');
      const object = save(mine, `gdpr-u_ben${mine.path.slice(mine.path.lastIndexOf('.'))}`);
      ctx.transcript.line(
        `Ben exports his data (GDPR): ${object?.bytes.length ?? 0} bytes (${object?.contentType ?? 'missing'}) [out/exports/gdpr-u_ben${mine.path.slice(mine.path.lastIndexOf('.'))}]`,
      );
      const audit = await ctx.system.store.query(paths.auditLog(), {
        where: [['action', 'in', ['compliance.export', 'export.conversation', 'export.myData', 'gdpr.export']]],
      });
      ctx.transcript.detail(`audit entries for exports: ${audit.length}`);
    },
  },
  analyticsStep,
  ordersStep,
  schedulingStep,
  activityStep,
  announcementsStep,
  notificationCenterStep,
  limitsStep,
];

/**
 * Moves the clock forward the way time passes: Cloud Scheduler runs the scheduled functions every 5 minutes, so a
 * digest due on the way leaves at its own time (the next 5-minute tick), not when the scenario next looks.
 */
export async function advanceTo(system: LocalSystem, target: Date): Promise<void> {
  const tick = 5 * 60_000;
  for (;;) {
    const [next] = await system.store.query('digests', {
      where: [['status', '==', 'pending']],
      orderBy: [{ field: 'releaseAt' }],
      limit: 1,
    });
    const due = next?.data?.releaseAt as Date | undefined;
    if (!due || due.getTime() >= target.getTime() || due.getTime() < system.clock.now().getTime()) break;
    system.clock.set(new Date(Math.ceil(due.getTime() / tick) * tick));
    await system.functions.runSchedules();
  }
  system.clock.set(target);
  await system.functions.runSchedules();
}

export interface ScenarioResult {
  transcript: Transcript;
  files: OutputFiles;
  problems: string[];
  steps: Array<{ id: StepId; ms: number; error?: string }>;
}

/** Plays the steps in order (all, or `only`), moving the clock to each step's time and running due schedules first. */
export async function runScenario(
  system: LocalSystem,
  options: { only?: readonly StepId[]; echo?: (line: string) => void } = {},
): Promise<ScenarioResult> {
  const transcript = new Transcript(system.clock);
  const ctx: ScenarioContext = { system, transcript, evidence: new Evidence(system), problems: [], files: new Map() };
  const results: ScenarioResult['steps'] = [];
  const runsBefore = system.functions.triggerRuns.length;
  for (const step of STEPS.filter((s) => !options.only || options.only.includes(s.id))) {
    const started = performance.now();
    await advanceTo(system, new Date(step.at));
    const lines = transcript.lines.length;
    let error: string | undefined;
    try {
      await step.run(ctx);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      ctx.problems.push(`step "${step.title}" failed: ${error}`);
    }
    const ms = performance.now() - started;
    transcript.step(step.title, ms, lines);
    if (error) transcript.line(`✖ ${error}`);
    for (const line of transcript.lines.slice(lines)) options.echo?.(format(line));
    results.push({ id: step.id, ms, ...(error ? { error } : {}) });
  }
  for (const run of system.functions.triggerRuns.slice(runsBefore)) {
    if (run.error) ctx.problems.push(`trigger ${run.name} on ${run.path} failed: ${run.error}`);
  }
  for (const error of system.functions.busErrors) ctx.problems.push(`Pub/Sub handler failed: ${error}`);
  return { transcript, files: ctx.files, problems: ctx.problems, steps: results };
}
