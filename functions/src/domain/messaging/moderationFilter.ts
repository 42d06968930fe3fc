import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';

/**
 * The automated moderation filter: a maintained profanity library (obscenity, with its leet-speak and look-alike
 * transformers) plus patterns for taking payment or contact off the platform. It flags for human review; it never
 * removes anything by itself, so it errs towards flagging.
 */

/** `malformed` is raised by the trigger for a stored message that fails the schema, not by the text screen. */
export const FLAG_REASONS = ['profanity', 'off_platform_payment', 'contact_details', 'malformed'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

export interface Flag {
  reason: FlagReason;
  /** The text that matched, so a moderator sees why without opening the conversation. */
  match: string;
}

let matcher: RegExpMatcher | undefined;
/** Built on first use: compiling the dataset costs a few milliseconds a cold start need not pay. */
function profanity(): RegExpMatcher {
  matcher ??= new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
  return matcher;
}

const PAYMENT_SERVICES =
  'pay\\s?pal|venmo|cash\\s?app|zelle|western\\s+union|moneygram|wise|revolut|bank\\s+transfer|wire\\s+transfer|iban|bitcoin|btc|crypto|usdt|gift\\s?cards?|apple\\s+pay|google\\s+pay';

const PAYMENT_PATTERNS: RegExp[] = [
  // "pay me on paypal", "send the money via zelle", "transfer it to my IBAN"
  new RegExp(
    `\\b(pay|paid|send|sending|transfer|wire|payment|money|deposit)\\b[^.!?\\n]{0,40}\\b(${PAYMENT_SERVICES})\\b`,
    'i',
  ),
  // "paypal me", "my venmo is", "venmo works better"
  new RegExp(`\\b(${PAYMENT_SERVICES})\\b[^.!?\\n]{0,20}\\b(me|my|is|works|instead|directly|friends)\\b`, 'i'),
  // "let's do it outside the platform", "skip the fees", "off the app"
  /\b(outside|off|around)\s+(of\s+)?(the\s+|this\s+)?(app|platform|site|marketplace)\b/i,
  /\b(avoid|skip|save|dodge)\s+(on\s+)?(the\s+)?(platform\s+|app\s+|marketplace\s+)?(fees?|commission)\b/i,
];

const CONTACT_PATTERNS: RegExp[] = [
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/,
  // Phone numbers: 8+ digits with optional +, spaces, dots, dashes or brackets between them.
  /(?:\+|\b00)?\(?\d{2,4}\)?(?:[\s.-]?\(?\d{2,4}\)?){2,5}\b/,
  /\b(whats\s?app|telegram|signal|wechat|viber|kik|snap(chat)?)\b/i,
  /\b(text|call|ring|dm|message|email|e-mail|reach|contact)\s+me\s+(at|on|via)\b/i,
];

function firstMatch(text: string, patterns: readonly RegExp[]): string | undefined {
  for (const pattern of patterns) {
    const found = pattern.exec(text)?.[0];
    if (found && (pattern !== CONTACT_PATTERNS[1] || found.replace(/\D/g, '').length >= 8)) return found;
  }
  return undefined;
}

/** Flags for a piece of plaintext; empty when it looks fine. */
export function screenText(text: string): Flag[] {
  const flags: Flag[] = [];
  const swear = profanity().getAllMatches(text, true)[0];
  if (swear) flags.push({ reason: 'profanity', match: text.slice(swear.startIndex, swear.endIndex + 1) });
  const payment = firstMatch(text, PAYMENT_PATTERNS);
  if (payment) flags.push({ reason: 'off_platform_payment', match: payment });
  // Dates and times are digit runs too; they are not phone numbers.
  const contact = firstMatch(
    text.replace(/\b\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?\b|\b\d{1,2}:\d{2}\b/g, ' '),
    CONTACT_PATTERNS,
  );
  if (contact) flags.push({ reason: 'contact_details', match: contact });
  return flags;
}

/** Every plaintext field of a message a human could read, joined for screening. */
export function screenableText(m: {
  text?: string | undefined;
  materialSpec?:
    | { material: string; colour?: string | undefined; supplier?: string | undefined; notes?: string | undefined }
    | undefined;
  technique?: { title: string; steps: string[] } | undefined;
  workshop?: { title: string; place?: string | undefined; link?: string | undefined } | undefined;
  attachments?: ReadonlyArray<{ name: string }> | undefined;
}): string {
  return [
    m.text,
    m.materialSpec?.material,
    m.materialSpec?.colour,
    m.materialSpec?.supplier,
    m.materialSpec?.notes,
    m.technique?.title,
    ...(m.technique?.steps ?? []),
    m.workshop?.title,
    m.workshop?.place,
    ...(m.attachments ?? []).map((a) => a.name),
  ]
    .filter((s): s is string => !!s)
    .join('\n');
}
