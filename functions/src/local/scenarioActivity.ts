import { activityPaths } from '../domain/activity/feed.js';
import type { Step } from './scenario.js';

/**
 * The activity feed step of `npm start` (issue 18): Diego's feed as his app's listener reads it (newest first, a
 * page of 20), kept by the triggers through the earlier steps (his bids, his follow of Sofia, twice = once, and his
 * order ord_2001 step by step), and Sofia's sales; then one of his events handled again: nothing new.
 */
export const activityStep: Step = {
  id: 'activityFeed',
  title: '15. Activity feed: what Diego did and what Sofia sold, as their feeds show it',
  at: '2026-11-24T19:30:00Z',
  async run(ctx) {
    const { store } = ctx.system;
    const page = async (uid: string) =>
      (
        await store.query(activityPaths.feed(uid), { orderBy: [{ field: 'createdAt', direction: 'desc' }], limit: 20 })
      ).map((s) => s.data!);
    const diego = await page('u_diego');
    const kinds = (items: Array<Record<string, unknown>>) =>
      Object.entries(
        items.reduce<Record<string, number>>((n, i) => ({ ...n, [String(i.kind)]: (n[String(i.kind)] ?? 0) + 1 }), {}),
      )
        .map(([k, v]) => `${v} ${k}`)
        .join(', ');
    ctx.transcript.line(`Diego's feed (users/u_diego/activity, newest first): ${diego.length} items: ${kinds(diego)}`);
    for (const item of diego.slice(0, 6))
      ctx.transcript.detail(
        `${(item.createdAt as Date).toISOString()} ${String(item.verb)} ${JSON.stringify(item.refs)} ${JSON.stringify(item.details)}`,
      );
    const follows = diego.filter(
      (i) => i.verb === 'followed' && (i.refs as Record<string, string>).creatorId === 'u_sofia',
    );
    if (follows.length !== 1) ctx.problems.push(`Diego's feed has ${follows.length} follows of Sofia, not 1`);
    if (!diego.some((i) => i.kind === 'order')) ctx.problems.push("Diego's feed has no order");
    const sofia = await page('u_sofia');
    ctx.transcript.line(`Sofia's feed: ${sofia.length} items: ${kinds(sofia)}`);

    // A trigger delivered again (Firestore triggers are at-least-once): the same event handled twice writes nothing.
    const [event] = await store.query('events', { where: [['payload.buyerId', '==', 'u_diego']], limit: 1 });
    if (event) {
      const again = await ctx.system.services.activity.feed.onEventWritten(event.id, undefined, event.data);
      ctx.transcript.detail(
        `${String(event.data?.type)} handled again: ${again.written} written, ${again.skipped} already there`,
      );
      if (again.written !== 0) ctx.problems.push('a redelivered event wrote a second feed item');
    }
  },
};
