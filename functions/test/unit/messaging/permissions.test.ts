import { describe, expect, it } from 'vitest';
import type { MemberRole } from '../../../src/domain/messaging/conversation.js';
import type { Action } from '../../../src/domain/messaging/permissions.js';
import { ACTIONS, decide } from '../../../src/domain/messaging/permissions.js';

// The whole matrix, written out by hand (not derived from the implementation's table): Y allowed, n denied.
//                         owner admin member
const GROUP: Record<Action, [string, string, string]> = {
  addMembers: ['Y', 'Y', 'n'],
  removeMember: ['Y', 'Y', 'n'],
  changeRole: ['Y', 'n', 'n'],
  rename: ['Y', 'Y', 'n'],
  changeSettings: ['Y', 'Y', 'n'],
  post: ['Y', 'Y', 'Y'],
  pin: ['Y', 'Y', 'n'],
  deleteOthersMessage: ['Y', 'Y', 'n'],
  transferOwnership: ['Y', 'n', 'n'],
};
const ROLES: MemberRole[] = ['owner', 'admin', 'member'];

describe('permission matrix', () => {
  it('covers every action', () => {
    expect(Object.keys(GROUP).sort()).toEqual([...ACTIONS].sort());
  });

  for (const action of ACTIONS) {
    ROLES.forEach((role, i) => {
      const expected = GROUP[action][i] === 'Y';
      it(`group ${role} ${expected ? 'may' : 'may not'} ${action}`, () => {
        const decision = decide(action, { type: 'group', role });
        expect(decision.allowed).toBe(expected);
        if (!decision.allowed) expect(decision.reason).toMatch(new RegExp(`group ${role} may not`));
      });
    });
    it(`a non-member may not ${action}`, () => {
      expect(decide(action, { type: 'group', role: undefined })).toEqual({
        allowed: false,
        reason: 'you are not a member of this conversation',
      });
    });
  }

  it('announcement-only groups: owner and admins post, members do not', () => {
    expect(decide('post', { type: 'group', role: 'owner', announcementOnly: true }).allowed).toBe(true);
    expect(decide('post', { type: 'group', role: 'admin', announcementOnly: true }).allowed).toBe(true);
    expect(decide('post', { type: 'group', role: 'member', announcementOnly: true })).toEqual({
      allowed: false,
      reason: 'only the owner and admins may post in an announcement-only group',
    });
  });

  it('acting on others goes down the ranks only: admins act on members, nobody on the owner', () => {
    const cases: Array<[MemberRole, MemberRole, boolean]> = [
      ['owner', 'admin', true],
      ['owner', 'member', true],
      ['admin', 'member', true],
      ['admin', 'admin', false],
      ['admin', 'owner', false],
    ];
    for (const action of ['removeMember', 'deleteOthersMessage'] as const) {
      for (const [role, targetRole, allowed] of cases) {
        expect(decide(action, { type: 'group', role, targetRole }).allowed, `${role} ${action} ${targetRole}`).toBe(
          allowed,
        );
      }
    }
    expect(decide('changeRole', { type: 'group', role: 'owner', targetRole: 'owner' }).allowed).toBe(false);
  });

  it('direct conversations: both post and pin; there is nothing to manage', () => {
    for (const action of ACTIONS) {
      const allowed = action === 'post' || action === 'pin';
      expect(decide(action, { type: 'direct', role: 'member' }).allowed, action).toBe(allowed);
    }
  });
});
