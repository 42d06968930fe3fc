import { describe, expect, it } from 'vitest';
import { EXPORT_URL_TTL_MS } from '../../../src/domain/compliance/exportRequest.js';
// @ts-expect-error a plain .mjs script without types
import { EXPORT_FILE_DAYS, exportsLifecycleRule, mergedRules } from '../../../scripts/exports-bucket-lifecycle.mjs';

describe('exports bucket lifecycle (scripts/exports-bucket-lifecycle.mjs)', () => {
  it('deletes export files, and only them, after their download URL has expired', () => {
    expect(exportsLifecycleRule()).toEqual({
      action: { type: 'Delete' },
      condition: { age: EXPORT_FILE_DAYS, matchesPrefix: ['exports/'] },
    });
    expect(EXPORT_FILE_DAYS * 86_400_000).toBeGreaterThan(EXPORT_URL_TTL_MS);
  });

  it("keeps the bucket's other rules and replaces its own, so running it twice changes nothing", () => {
    const other = { action: { type: 'Delete' }, condition: { age: 30, matchesPrefix: ['media/tmp/'] } };
    const stale = { action: { type: 'Delete' }, condition: { age: 30, matchesPrefix: ['exports/'] } };
    const once = mergedRules([other, stale]);
    expect(once).toEqual([other, exportsLifecycleRule()]);
    expect(mergedRules(once)).toEqual(once);
  });
});
