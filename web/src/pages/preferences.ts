import type { GetPreferencesOutput, UpdatePreferencesInput } from '@craft/client';
import { clear, errorBox, h } from '../dom';
import { api } from '../firebase';
import type { PageContext } from '../main';

const CHANNELS = ['push', 'email', 'sms', 'inApp'] as const;
const FREQUENCIES = ['instant', 'hourly', 'daily', 'weekly', 'off'] as const;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

type Types = GetPreferencesOutput['types'];
type TypeName = keyof Types;

/**
 * Preferences through getPreferences/updatePreferences (the callables validate and merge; the settings document is
 * not client-writable): per notification type × channel and frequency, quiet hours, working hours, time zone.
 */
export function preferencesPage(root: HTMLElement, _ctx: PageContext) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  root.replaceChildren(h('section', {}, h('h1', {}, 'Notification preferences'), body));
  let alive = true;
  api.getPreferences({}).then(
    (prefs) => alive && clear(body, form(prefs)),
    (error) => alive && clear(body, errorBox(error)),
  );
  return () => {
    alive = false;
  };
}

function form(prefs: GetPreferencesOutput) {
  const types = structuredClone(prefs.types);
  const status = h('div', { 'data-testid': 'prefs-status' });
  const names = Object.keys(types) as TypeName[];

  const table = h(
    'table',
    { class: 'grid', 'data-testid': 'prefs-types' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'Notification'), ...CHANNELS.map((c) => h('th', {}, c)), h('th', {}, 'Frequency')),
    ),
    h(
      'tbody',
      {},
      ...names.map((name) =>
        h(
          'tr',
          {},
          h('td', {}, name),
          ...CHANNELS.map((c) =>
            h(
              'td',
              {},
              h('input', {
                type: 'checkbox',
                'data-testid': `pref-${name}-${c}`,
                checked: types[name].channels[c],
                onchange: (e: Event) => (types[name].channels[c] = (e.target as HTMLInputElement).checked),
              }),
            ),
          ),
          h(
            'td',
            {},
            h(
              'select',
              { onchange: (e: Event) => (types[name].frequency = (e.target as HTMLSelectElement).value as never) },
              ...FREQUENCIES.map((f) => h('option', { value: f, selected: f === types[name].frequency }, f)),
            ),
          ),
        ),
      ),
    ),
  );

  const quietOn = h('input', { type: 'checkbox', 'data-testid': 'quiet-enabled', checked: prefs.quietHours.enabled });
  const quietStart = h('input', { type: 'time', 'data-testid': 'quiet-start', value: prefs.quietHours.start });
  const quietEnd = h('input', { type: 'time', 'data-testid': 'quiet-end', value: prefs.quietHours.end });
  const workOn = h('input', { type: 'checkbox', 'data-testid': 'work-enabled', checked: prefs.workingHours.enabled });
  const workStart = h('input', { type: 'time', value: prefs.workingHours.start });
  const workEnd = h('input', { type: 'time', value: prefs.workingHours.end });
  // ISO weekday numbers, 1 = Monday … 7 = Sunday (domain/preferences).
  const dayBoxes = DAYS.map((label, i) =>
    h(
      'label',
      { class: 'inline' },
      h('input', { type: 'checkbox', value: String(i + 1), checked: prefs.workingHours.days.includes(i + 1) }),
      label,
    ),
  );
  const zones = Intl.supportedValuesOf('timeZone');
  const timeZone = h(
    'select',
    { 'data-testid': 'time-zone' },
    h('option', { value: '' }, '(profile time zone)'),
    ...zones.map((z) => h('option', { value: z, selected: z === prefs.timeZone }, z)),
  );

  const save = async (event: Event) => {
    event.preventDefault();
    const input: UpdatePreferencesInput = {
      types,
      quietHours: { enabled: quietOn.checked, start: quietStart.value, end: quietEnd.value },
      workingHours: {
        enabled: workOn.checked,
        start: workStart.value,
        end: workEnd.value,
        days: dayBoxes
          .map((l) => l.querySelector('input')!)
          .filter((b) => b.checked)
          .map((b) => Number(b.value)),
      },
      ...(timeZone.value ? { timeZone: timeZone.value } : {}),
    };
    status.replaceChildren(h('p', { class: 'muted' }, 'Saving…'));
    try {
      const saved = await api.updatePreferences(input);
      status.replaceChildren(
        h('p', { class: 'ok', 'data-testid': 'prefs-saved' }, `Saved (time zone ${saved.timeZone ?? 'from profile'}).`),
      );
    } catch (error) {
      status.replaceChildren(errorBox(error));
    }
  };

  return h(
    'form',
    { onsubmit: save },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Quiet hours'),
      h('label', { class: 'inline' }, quietOn, 'Hold non-urgent notifications between'),
      quietStart,
      ' and ',
      quietEnd,
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Working hours (for commission requests and inquiries)'),
      h('label', { class: 'inline' }, workOn, 'Only on'),
      ...dayBoxes,
      ' from ',
      workStart,
      ' to ',
      workEnd,
    ),
    h('fieldset', {}, h('legend', {}, 'Time zone'), timeZone),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit', 'data-testid': 'prefs-save' }, 'Save preferences'),
      status,
    ),
    table,
  );
}
