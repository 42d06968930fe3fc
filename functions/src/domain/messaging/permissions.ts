import type { ConversationType, MemberRole } from './conversation.js';

/**
 * The permission matrix of a conversation: who may do what, by role. firestore.rules enforces the parts clients do
 * directly (post, delete others' messages); the callables enforce all of it through `authorize`.
 */
export const ACTIONS = [
  'addMembers',
  'removeMember',
  'changeRole',
  'rename',
  'changeSettings',
  'post',
  'pin',
  'deleteOthersMessage',
  'transferOwnership',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface PermissionContext {
  type: ConversationType;
  /** The actor's role; undefined when the actor is not a member. */
  role: MemberRole | undefined;
  announcementOnly?: boolean;
  /** For removeMember / changeRole: the role of the member acted on. */
  targetRole?: MemberRole;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** Group actions by role. Direct conversations have no roles to manage (see `decide`). */
const GROUP_MATRIX: Record<Action, readonly MemberRole[]> = {
  addMembers: ['owner', 'admin'],
  removeMember: ['owner', 'admin'],
  changeRole: ['owner'],
  rename: ['owner', 'admin'],
  changeSettings: ['owner', 'admin'],
  post: ['owner', 'admin', 'member'],
  pin: ['owner', 'admin'],
  deleteOthersMessage: ['owner', 'admin'],
  transferOwnership: ['owner'],
};

const rank: Record<MemberRole, number> = { owner: 3, admin: 2, member: 1 };

export function decide(action: Action, ctx: PermissionContext): Decision {
  if (!ctx.role) return deny('you are not a member of this conversation');
  if (ctx.type === 'direct') {
    if (action === 'post' || action === 'pin') return allow;
    return deny(`${action} is not possible in a direct conversation`);
  }
  if (!GROUP_MATRIX[action].includes(ctx.role)) return deny(`a group ${ctx.role} may not ${describe(action)}`);
  if (action === 'post' && ctx.announcementOnly && ctx.role === 'member') {
    return deny('only the owner and admins may post in an announcement-only group');
  }
  if ((action === 'removeMember' || action === 'deleteOthersMessage') && ctx.targetRole) {
    // An admin acts on members only; nobody acts on the owner.
    if (rank[ctx.targetRole] >= rank[ctx.role])
      return deny(
        `a group ${ctx.role} may not ${describe(action)} of ${ctx.targetRole === 'admin' ? 'an admin' : 'the owner'}`,
      );
  }
  if (action === 'changeRole' && ctx.targetRole === 'owner')
    return deny('the owner changes hands only through transferOwnership');
  return allow;
}

function describe(action: Action): string {
  switch (action) {
    case 'addMembers':
      return 'add members';
    case 'removeMember':
      return 'remove a member';
    case 'changeRole':
      return 'change roles';
    case 'rename':
      return 'rename the group';
    case 'changeSettings':
      return 'change the group settings';
    case 'post':
      return 'post';
    case 'pin':
      return 'pin messages';
    case 'deleteOthersMessage':
      return "delete others' messages";
    case 'transferOwnership':
      return 'transfer ownership';
  }
}
