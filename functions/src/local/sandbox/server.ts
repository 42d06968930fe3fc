import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AlgoliaSandbox, isAlgoliaPath } from './algolia.js';
import { SANDBOX_CREDENTIALS } from './credentials.js';
import { FCM_SEND_PATH, fcmProvider } from './fcm.js';
import type { Answer, Recorded, Route } from './http.js';
import { parsedBody, readRecorded, writeAnswer } from './http.js';
import type { Captured, OutboxKind } from './outbox.js';
import { OUTBOX_KINDS, Outbox } from './outbox.js';
import { sendgridProvider } from './sendgrid.js';
import { SandboxObjectStore } from './storage.js';
import { isTwilioPath, twilioProvider } from './twilio.js';

export const SANDBOX_SERVICE = 'craft-sandbox-providers';

export interface SandboxOptions {
  /** Write captured messages as files here (push/, sms/, email/, verify/). */
  outDir?: string;
  /**
   * Where the Functions emulator listens (http://127.0.0.1:5001). Set, the sandbox Twilio calls each SMS's
   * StatusCallback like Twilio does (sent, then delivered; signed with the sandbox auth token over the URL as given),
   * at this origin: PUBLIC_BASE_URL names the suite's default port, which a shifted suite does not listen on.
   */
  functionsOrigin?: string;
  /** One line per captured message (npm run emulators prints them). */
  log?: (line: string) => void;
}

interface Classified {
  kind: OutboxKind;
  route: Route;
}

const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

/**
 * The sandbox providers on one loopback port: FCM HTTP v1, Twilio Messaging and Verify, SendGrid v3 and Algolia, each
 * speaking its real wire protocol (the real SDKs talk to it), each call captured in the outbox. Their paths do not
 * overlap (/v1/projects, /2010-04-01 and /v2/Services, /v3, /1/indexes), so one origin serves them all. Its own API:
 *   GET /health                                   {service, pid}
 *   GET /outbox[/push|sms|verify|email|search]    captured calls; ?deliveryId= &to= &since=<seq>
 *   DELETE /outbox                                forget them
 *   GET /search/<index>                           the records in a sandbox Algolia index
 *   /storage…                                     export objects, when no Storage emulator runs (storage.ts)
 */
export class SandboxServer {
  readonly algolia = new AlgoliaSandbox(SANDBOX_CREDENTIALS.algolia);
  readonly fcm = fcmProvider();
  readonly outbox: Outbox;
  readonly storage: SandboxObjectStore;
  private readonly twilio = twilioProvider(SANDBOX_CREDENTIALS.twilio);
  private readonly sendgrid = sendgridProvider(SANDBOX_CREDENTIALS.sendgrid);
  private server: Server | undefined;

  constructor(private readonly options: SandboxOptions = {}) {
    this.outbox = new Outbox(options.outDir);
    this.storage = new SandboxObjectStore(options.outDir ? join(options.outDir, 'storage') : undefined);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.outbox.flushed();
    await this.storage.dispose();
  }

  get url(): string {
    const { address, port } = this.server!.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  private classify(path: string): Classified | undefined {
    if (FCM_SEND_PATH.test(path)) return { kind: 'push', route: this.fcm.route };
    if (path.startsWith('/v2/Services/')) return { kind: 'verify', route: this.twilio };
    if (isTwilioPath(path)) return { kind: 'sms', route: this.twilio };
    if (path.startsWith('/v3/')) return { kind: 'email', route: this.sendgrid };
    if (isAlgoliaPath(path)) return { kind: 'search', route: (req) => this.algolia.handle(req) };
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      // Objects stream (exports are binary and may be large); everything else is small JSON or a form.
      if (req.url === '/storage' || req.url?.startsWith('/storage?') || req.url?.startsWith('/storage/o/'))
        return await this.storage.handle(req, res);
      const recorded = await readRecorded(req);
      await writeAnswer(res, this.answer(recorded));
    } catch (error) {
      await writeAnswer(res, { status: 500, body: { error: `sandbox failure: ${String(error)}` } });
    }
  }

  private answer(req: Recorded): Answer {
    if (req.path === '/health') return { status: 200, body: { service: SANDBOX_SERVICE, pid: process.pid } };
    if (req.path === '/' && req.method === 'GET') return { status: 200, body: this.index() };
    if (req.path === '/outbox' || req.path.startsWith('/outbox/')) return this.outboxApi(req);
    const search = /^\/search\/([^/]+)$/.exec(req.path);
    if (search && req.method === 'GET')
      return { status: 200, body: [...this.algolia.index(decodeURIComponent(search[1]!)).values()] };
    const provider = this.classify(req.path);
    if (!provider) return { status: 404, body: { error: `the sandbox serves no ${req.method} ${req.path}` } };
    const answer = provider.route(req);
    const captured = this.outbox.add({
      kind: provider.kind,
      method: req.method,
      path: req.path,
      status: answer.status,
      ...describe(provider.kind, req, answer),
    });
    this.options.log?.(logLine(captured));
    if (captured.kind === 'sms' && answer.status === 201 && this.options.functionsOrigin)
      void this.statusCallbacks(captured);
    return answer;
  }

  /** Twilio's message status callbacks for a sent SMS: `sent`, then `delivered`, each signed (X-Twilio-Signature). */
  private async statusCallbacks(sms: Captured): Promise<void> {
    const form = sms.request as Record<string, string>;
    const sid = (sms.response as { sid?: string } | undefined)?.sid;
    if (!form.StatusCallback || !sid) return;
    let target: string;
    try {
      const url = new URL(form.StatusCallback);
      target = `${this.options.functionsOrigin}${url.pathname}${url.search}`;
    } catch {
      return;
    }
    for (const status of ['sent', 'delivered']) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const params: Record<string, string> = {
        AccountSid: SANDBOX_CREDENTIALS.twilio.accountSid,
        ApiVersion: '2010-04-01',
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: form.To ?? '',
        ...(form.MessagingServiceSid ? { MessagingServiceSid: form.MessagingServiceSid } : {}),
        ...(form.From ? { From: form.From } : {}),
      };
      try {
        const response = await fetch(target, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': twilioSignature(SANDBOX_CREDENTIALS.twilio.authToken, form.StatusCallback, params),
          },
          body: new URLSearchParams(params).toString(),
          signal: AbortSignal.timeout(60_000),
        });
        this.options.log?.(
          `sandbox twilio → status callback ${status} for ${sms.deliveryId ?? sid}: HTTP ${response.status}`,
        );
        if (!response.ok) return;
      } catch (error) {
        this.options.log?.(
          `sandbox twilio → status callback ${status} for ${sms.deliveryId ?? sid} failed: ${String(error)}`,
        );
        return;
      }
    }
  }

  private outboxApi(req: Recorded): Answer {
    if (req.method === 'DELETE' && req.path === '/outbox')
      return { status: 200, body: { cleared: this.outbox.clear() } };
    if (req.method !== 'GET') return { status: 405, body: { error: 'GET or DELETE /outbox' } };
    const kind = req.path.split('/')[2];
    if (kind !== undefined && !OUTBOX_KINDS.includes(kind as OutboxKind))
      return { status: 404, body: { error: `no outbox ${kind}; one of ${OUTBOX_KINDS.join(', ')}` } };
    const since = req.query.get('since');
    const filter = {
      deliveryId: req.query.get('deliveryId') ?? undefined,
      to: req.query.get('to') ?? undefined,
      since: since === null ? undefined : Number(since),
    };
    if (kind) return { status: 200, body: this.outbox.list({ ...filter, kind: kind as OutboxKind }) };
    return {
      status: 200,
      body: Object.fromEntries(OUTBOX_KINDS.map((k) => [k, this.outbox.list({ ...filter, kind: k })])),
    };
  }

  private index() {
    return {
      service: SANDBOX_SERVICE,
      providers: {
        fcm: 'POST /v1/projects/{project}/messages:send',
        twilio:
          'POST /2010-04-01/Accounts/{sid}/Messages.json, /v2/Services/{sid}/Verifications, /v2/Services/{sid}/VerificationCheck',
        sendgrid: 'POST /v3/mail/send',
        algolia: '/1/indexes/{index}/batch|settings|query',
      },
      outbox: this.outbox.counts(),
      read: ['/outbox', ...OUTBOX_KINDS.map((k) => `/outbox/${k}`), '/search/{index}', '/storage?prefix='],
      outDir: this.options.outDir ?? null,
    };
  }
}

function describe(
  kind: OutboxKind,
  req: Recorded,
  answer: Answer,
): Pick<Captured, 'deliveryId' | 'to' | 'request' | 'response' | 'code'> {
  const request = parsedBody(req);
  const base = { request, ...(answer.body === undefined ? {} : { response: answer.body }) };
  if (kind === 'push') {
    const message = (request as { message?: { token?: unknown; data?: Record<string, unknown> } } | undefined)?.message;
    return { ...base, to: str(message?.token), deliveryId: str(message?.data?.deliveryId) };
  }
  if (kind === 'sms' || kind === 'verify') {
    const form = (request ?? {}) as Record<string, string>;
    let deliveryId: string | undefined;
    try {
      deliveryId = form.StatusCallback
        ? (new URL(form.StatusCallback).searchParams.get('deliveryId') ?? undefined)
        : undefined;
    } catch {
      deliveryId = undefined;
    }
    const code =
      kind === 'verify' && req.path.endsWith('/Verifications') && answer.status < 400
        ? SANDBOX_CREDENTIALS.twilio.verifyCode
        : undefined;
    return { ...base, to: str(form.To), ...(deliveryId ? { deliveryId } : {}), ...(code ? { code } : {}) };
  }
  if (kind === 'email') {
    const mail = (request ?? {}) as {
      personalizations?: Array<{ to?: Array<{ email?: string }>; custom_args?: Record<string, unknown> }>;
      custom_args?: Record<string, unknown>;
    };
    const personal = mail.personalizations?.[0];
    return {
      ...base,
      to: str(personal?.to?.[0]?.email),
      deliveryId: str(mail.custom_args?.deliveryId) ?? str(personal?.custom_args?.deliveryId),
    };
  }
  return base;
}

/** Twilio's request signature: HMAC-SHA1 over the URL and the POST params sorted by name, base64. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((key) => `${key}${params[key]}`)
      .join('');
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

function logLine(c: Captured): string {
  const outcome = c.status < 400 ? '' : ` ✖ ${c.status}`;
  if (c.kind === 'search') return `sandbox algolia  ${c.method} ${c.path}${outcome}`;
  const what =
    c.kind === 'email'
      ? `subject "${(c.request as { subject?: string }).subject ?? ''}"`
      : c.kind === 'verify' && c.code
        ? `code ${c.code}`
        : '';
  return `sandbox ${c.kind.padEnd(6)} → ${c.to ?? '?'}${c.deliveryId ? ` (${c.deliveryId})` : ''} ${what}${outcome}`.trimEnd();
}
