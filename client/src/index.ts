/**
 * @craft/client: typed access to the craft marketplace backend from a TypeScript app using the Firebase JS SDK
 * (modular API). Types are generated from the functions' zod schemas (`npm run docs` writes src/generated.ts); this
 * module adds the callables wrapper, document paths and the unread rule. No runtime dependency but `firebase`.
 */
import type { Functions, HttpsCallableOptions } from "firebase/functions";
import { httpsCallable } from "firebase/functions";
import type {
  CallableName,
  CallableTypes,
  ConversationDoc,
  MemberDoc,
} from "./generated.js";
import { CALLABLE_NAMES } from "./generated.js";

export * from "./generated.js";

/** Every callable as a typed async function: `await api.sendMessage({...})` answers the callable's output. */
export type Callables = {
  [N in CallableName]: (
    input: CallableTypes[N]["input"],
  ) => Promise<CallableTypes[N]["output"]>;
};

/**
 * `callables(getFunctions(app, REGION))`: one typed function per callable. Errors are the SDK's `FunctionsError`
 * (`code` = `functions/<code>`, `details`); docs/API.md lists each callable's codes and when they happen.
 */
export function callables(
  functions: Functions,
  options?: HttpsCallableOptions,
): Callables {
  const api = {} as Record<CallableName, (input: unknown) => Promise<unknown>>;
  for (const name of CALLABLE_NAMES) {
    const call = httpsCallable(functions, name, options);
    api[name] = async (input) => (await call(input)).data;
  }
  return api as Callables;
}

/** Document and collection paths clients read (firestore.rules decides who may). */
export const paths = {
  conversations: () => "conversations",
  conversation: (cid: string) => `conversations/${cid}`,
  members: (cid: string) => `conversations/${cid}/members`,
  member: (cid: string, uid: string) => `conversations/${cid}/members/${uid}`,
  messages: (cid: string) => `conversations/${cid}/messages`,
  message: (cid: string, mid: string) => `conversations/${cid}/messages/${mid}`,
  typing: (cid: string) => `conversations/${cid}/typing`,
  typingOf: (cid: string, uid: string) => `conversations/${cid}/typing/${uid}`,
  read: (cid: string, uid: string) => `conversations/${cid}/reads/${uid}`,
  notifications: (uid: string) => `users/${uid}/notifications`,
  notification: (uid: string, id: string) => `users/${uid}/notifications/${id}`,
  /** `{unread}`: the exact notification badge. */
  notificationCounter: (uid: string) => `users/${uid}/counters/notifications`,
  preferences: (uid: string) => `users/${uid}/settings/notifications`,
  blocks: (uid: string) => `users/${uid}/blocks`,
  keys: (uid: string) => `users/${uid}/keys`,
  exportJob: (exportId: string) => `exports/${exportId}`,
} as const;

/** A direct conversation's id: `dm_{uidA}_{uidB}`, the two uids sorted. */
export const directConversationId = (a: string, b: string) =>
  `dm_${[a, b].sort().join("_")}`;

/** A message's id when a client writes it: `{senderId}_{clientMessageId}` (a resend lands on the same document). */
export const messageId = (senderId: string, clientMessageId: string) =>
  `${senderId}_${clientMessageId}`;

/**
 * Unread messages for one member, from the two documents a chat client listens to (README "Unread counts"):
 * `lastMessageSeq − lastReadSeq`, less the member's own messages past their position; the legacy counter on top
 * until the member's first read writes `lastReadSeq`.
 */
export function unreadOf(
  conversation: Pick<ConversationDoc, "lastMessageSeq">,
  member: MemberDoc,
): number {
  const last = conversation.lastMessageSeq ?? 0;
  if (member.lastReadSeq === undefined || member.lastReadSeq === null)
    return member.unreadCount ?? 0;
  const position = member.lastReadSeq;
  const own = (member.ownSeqs ?? []).filter(
    (seq) => seq > position && seq <= last,
  ).length;
  return Math.max(0, last - position - own);
}
