import type { GetAnalyticsSummaryOutput, GetDeliveryHealthOutput } from '@craft/client';
import { clear, errorBox, h } from '../dom';
import { api } from '../firebase';
import type { PageContext } from '../main';

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)} %`);

/**
 * The admin delivery dashboard (issue 19): getDeliveryHealth (now, backlog, breakers, alerts, incidents, SMS spend)
 * and getAnalyticsSummary (per type × channel rates). Both are admin-only and audited on the server; a non-admin sees
 * the refusal.
 */
export function dashboardPage(root: HTMLElement, _ctx: PageContext) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  root.replaceChildren(h('section', {}, h('h1', {}, 'Delivery dashboard'), body));
  let alive = true;
  Promise.all([api.getDeliveryHealth({}), api.getAnalyticsSummary({})]).then(
    ([health, summary]) => alive && clear(body, render(health, summary)),
    (error) => alive && clear(body, errorBox(error)),
  );
  return () => {
    alive = false;
  };
}

function table(head: string[], rows: Array<Array<string | number>>, testid: string) {
  return h(
    'table',
    { class: 'grid', 'data-testid': testid },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...(rows.length
        ? rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))
        : [h('tr', {}, h('td', { colspan: head.length, class: 'muted' }, 'No data in this range.'))]),
    ),
  );
}

function render(health: GetDeliveryHealthOutput, summary: GetAnalyticsSummaryOutput) {
  const firing = health.alerts.filter((a) => a.firing);
  return h(
    'div',
    { 'data-testid': 'dashboard' },
    h('p', { class: 'muted small' }, `As of ${new Date(health.at).toLocaleString()}`),
    h(
      'div',
      { class: 'tiles' },
      ...Object.entries(health.backlog).map(([k, v]) => h('div', { class: 'tile' }, h('div', { class: 'big' }, v), k)),
      h('div', { class: 'tile' }, h('div', { class: 'big' }, health.suppressions), 'suppressions'),
      h(
        'div',
        { class: firing.length ? 'tile alert' : 'tile', 'data-testid': 'alerts' },
        h('div', { class: 'big' }, firing.length),
        'alerts firing',
      ),
    ),
    h('h2', {}, 'Now (last 15 minutes)'),
    table(
      ['channel', 'provider', 'attempted', 'failed', 'success', 'errors', 'latency', 'breaker'],
      health.now.channels.map((c) => [
        c.channel,
        c.provider,
        c.attempted,
        c.failed,
        pct(c.successRate),
        pct(c.errorRate),
        c.avgLatencyMs === null ? '–' : `${Math.round(c.avgLatencyMs)} ms`,
        c.breaker,
      ]),
      'health-now',
    ),
    h('h2', {}, 'Alerts'),
    table(
      ['kind', 'firing', 'value', 'threshold', 'volume'],
      health.alerts.map((a) => [a.kind, a.firing ? 'FIRING' : 'ok', a.value ?? '–', a.threshold, a.volume]),
      'health-alerts',
    ),
    h('h2', {}, 'Over time'),
    table(
      ['day', 'channel', 'provider', 'sent', 'delivered', 'failed', 'success', 'latency'],
      health.overTime.map((r) => [
        r.day,
        r.channel,
        r.provider ?? '–',
        r.sent,
        r.delivered,
        r.failed,
        pct(r.successRate),
        r.avgLatencyMs === null ? '–' : `${Math.round(r.avgLatencyMs)} ms`,
      ]),
      'health-over-time',
    ),
    h('h2', {}, 'SMS spend'),
    table(
      ['day', 'messages', 'cost'],
      health.smsSpend.map((s) => [s.day, s.messages ?? 0, `${(s.cost ?? 0).toFixed(2)} ${s.unit}`]),
      'sms-spend',
    ),
    h('h2', {}, `Engagement ${summary.from} – ${summary.to}`),
    table(
      ['type', 'channel', 'sent', 'delivered', 'opened', 'clicked', 'converted', 'delivery', 'open', 'click'],
      summary.rows.map((r) => [
        r.type,
        r.channel,
        r.sent,
        r.delivered,
        r.opened,
        r.clicked,
        r.converted,
        pct(r.deliveryRate),
        pct(r.openRate),
        pct(r.clickRate),
      ]),
      'analytics-summary',
    ),
  );
}
