import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the sandbox captures, by kind: FCM pushes, Twilio SMS, Twilio Verify, SendGrid email, Algolia index calls. */
export const OUTBOX_KINDS = ['push', 'sms', 'verify', 'email', 'search'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

export interface Captured {
  /** Increasing over the process's life: `?since=<seq>` reads only newer captures. */
  seq: number;
  kind: OutboxKind;
  at: string;
  method: string;
  path: string;
  /** The sandbox's HTTP answer (4xx/5xx captures are refused calls). */
  status: number;
  /** The notification delivery this call carries (FCM data.deliveryId, Twilio StatusCallback, SendGrid custom_args). */
  deliveryId?: string;
  /** Token, phone number or email address. */
  to?: string;
  /** The request body as the provider parsed it (JSON, or the form fields). */
  request: unknown;
  /** The answer's body. */
  response?: unknown;
  /** Sandbox Verify: the code it "texted". */
  code?: string;
}

export interface OutboxFilter {
  kind?: OutboxKind;
  deliveryId?: string;
  to?: string;
  since?: number;
}

/** Per kind at most this many captures are kept (the oldest go first); a long developer session stays small. */
const KEEP = 5_000;
const safeName = (name: string) => name.replace(/[^A-Za-z0-9@+._-]/g, '_').slice(0, 200);

/**
 * Every provider call the sandbox received, for tests and developers (GET /outbox), and, when `dir` is set, the
 * messages as files a developer opens: push/<deliveryId>.json, sms/<deliveryId>.json, email/<deliveryId>.html (+ .json
 * envelope), verify/<number>.json — as `npm start` writes them under out/.
 */
export class Outbox {
  private readonly entries: Captured[] = [];
  private seq = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly pushFiles = new Map<string, unknown[]>();

  constructor(private readonly dir?: string) {}

  add(entry: Omit<Captured, 'seq' | 'at'>): Captured {
    const captured: Captured = { seq: ++this.seq, at: new Date().toISOString(), ...entry };
    this.entries.push(captured);
    const ofKind = this.entries.filter((e) => e.kind === captured.kind);
    if (ofKind.length > KEEP) this.entries.splice(this.entries.indexOf(ofKind[0]!), 1);
    if (this.dir && captured.status < 400) {
      const dir = this.dir;
      this.writing = this.writing
        .then(() => this.writeFiles(dir, captured))
        .catch((error: unknown) => {
          console.error(`sandbox: could not write the outbox file for capture ${captured.seq}: ${String(error)}`);
        });
    }
    return captured;
  }

  list(filter: OutboxFilter = {}): Captured[] {
    return this.entries.filter(
      (e) =>
        (!filter.kind || e.kind === filter.kind) &&
        (!filter.deliveryId || e.deliveryId === filter.deliveryId) &&
        (!filter.to || e.to === filter.to) &&
        (filter.since === undefined || e.seq > filter.since),
    );
  }

  clear(): number {
    const n = this.entries.length;
    this.entries.length = 0;
    this.pushFiles.clear();
    return n;
  }

  counts(): Record<OutboxKind, number> {
    return Object.fromEntries(
      OUTBOX_KINDS.map((kind) => [kind, this.entries.filter((e) => e.kind === kind).length]),
    ) as Record<OutboxKind, number>;
  }

  /** Resolves when every file written so far is on disk. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private async writeFiles(dir: string, c: Captured): Promise<void> {
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    const put = async (path: string, content: string) => {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    };
    const name = safeName(c.deliveryId ?? c.to ?? String(c.seq));
    if (c.kind === 'push') {
      const message = (c.request as { message?: unknown } | undefined)?.message;
      const all = [...(this.pushFiles.get(name) ?? []), message];
      this.pushFiles.set(name, all);
      await put(`push/${name}.json`, json(all));
    } else if (c.kind === 'sms') {
      await put(
        `sms/${name}.json`,
        json({ ...(c.request as object), sid: (c.response as { sid?: string } | undefined)?.sid }),
      );
    } else if (c.kind === 'email') {
      const mail = c.request as { content?: Array<{ type: string; value: string }> } & Record<string, unknown>;
      const html = mail.content?.find((part) => part.type === 'text/html')?.value;
      const { content, ...envelope } = mail;
      if (html) await put(`email/${name}.html`, html);
      await put(
        `email/${name}.json`,
        json({ ...envelope, text: content?.find((part) => part.type === 'text/plain')?.value }),
      );
    } else if (c.kind === 'verify' && c.code) {
      await put(`verify/${name}.json`, json({ to: c.to, code: c.code, at: c.at }));
    }
  }
}
