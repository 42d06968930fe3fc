import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import functionsTest from 'firebase-functions-test';
import type { CallableFunction } from 'firebase-functions/v2/https';
import type { MemoryObjectStorage } from '../../../src/adapters/memory/memoryObjectStorage.js';
import { services, useServices } from '../../../src/functions/runtime.js';
import {
  exportConversation,
  exportMyData,
  exportNotifications,
  renderPdfExport,
} from '../../../src/functions/compliance.js';
import { paths } from '../../../src/domain/paths.js';
import { call } from '../../support/callables.js';
import type { TestWorld } from '../../support/world.js';
import { seedConversation, seedMessage, seedUser, testWorld } from '../../support/world.js';
import { parseCsv, pdfText, unzip } from '../../support/readers.js';
import { pdfTranscript } from '../../../src/app/compliance/encoders.js';
import { transcriptEntry } from '../../../src/domain/compliance/exportRows.js';
import { zipStream } from '../../../src/app/compliance/zip.js';

const TRICKY = [
  'Plain hello',
  'Commas, everywhere, really',
  'She said "hand-dyed" and \'natural\'',
  'Line one\nLine two\r\nLine three',
  'Yarn 🧶 and needles 🪡, café ✓',
  '=SUM(A1) leading equals',
];

type Fn = CallableFunction<unknown, unknown>;
const fft = functionsTest({ projectId: 'demo-exports' });

describe('compliance exports (callables over in-memory adapters)', () => {
  let infra: TestWorld['infra'];
  let storage: MemoryObjectStorage;

  beforeEach(async () => {
    ({ infra } = await testWorld({
      now: '2024-06-01T00:00:00Z',
      users: [
        { uid: 'alice', displayName: 'Alice Weaver', email: 'alice@example.com' },
        { uid: 'bob', displayName: 'Bob Potter' },
        { uid: 'carol', displayName: 'Carol Smith' },
        { uid: 'officer', displayName: 'Compliance Officer' },
      ],
      install: true,
    }));
    storage = infra.exportStorage;
    await seedConversation(infra.store, 'c1', ['alice', 'bob'], { title: 'Indigo commission' });
    for (const [i, text] of TRICKY.entries()) {
      await seedMessage(infra.store, 'c1', `m${i}`, {
        senderId: i % 2 ? 'bob' : 'alice',
        text,
        createdAt: new Date(Date.UTC(2024, 4, 1 + i, 9)),
      });
    }
    await seedMessage(infra.store, 'c1', 'm9', {
      senderId: 'bob',
      type: 'file',
      text: 'The pattern',
      attachments: [
        {
          kind: 'file',
          path: 'conversations/c1/bob/pattern.pdf',
          contentType: 'application/pdf',
          size: 2048,
          name: 'pattern, v2.pdf',
        },
      ],
      createdAt: new Date(Date.UTC(2024, 4, 20, 9)),
    });
  });

  afterEach(() => useServices(undefined));

  const objectAt = (path: string) => storage.objects.get(path)!.bytes;

  /** Runs the background function on the creation of `exports/{exportId}`, as Cloud Functions would. */
  const fireJobCreated = async (exportId: string) => {
    const job = infra.store.dump()[paths.exportJob(exportId)]!;
    const snapshot = fft.firestore.makeDocumentSnapshot(
      { status: job.status, ownerUid: job.ownerUid, kind: job.kind },
      paths.exportJob(exportId),
    );
    await fft.wrap(renderPdfExport)({ data: snapshot, params: { exportId }, id: `created-${exportId}` } as never);
  };

  /**
   * A PDF export as a client sees it: the callable answers `queued` at once; the background function renders it and
   * the job document (which the client watches) says `done` with the path and URL.
   */
  const pdfExport = async (fn: Fn, data: unknown, user: { uid: string; roles?: Array<'compliance'> }) => {
    const answer = await call<{ exportId: string; status: string }>(fn, data, user);
    expect(answer).toEqual({ exportId: expect.any(String), status: 'queued' });
    await fireJobCreated(answer.exportId);
    const job = infra.store.dump()[paths.exportJob(answer.exportId)]!;
    expect(job).toMatchObject({ status: 'done', url: expect.stringContaining(String(job.path)) });
    return { exportId: answer.exportId, path: String(job.path), job };
  };

  it('JSON round-trips every message, with commas, quotes, newlines and emoji', async () => {
    const result = await call<{ exportId: string; url: string; path: string; expiresAt: string }>(
      exportConversation as Fn,
      { conversationId: 'c1', format: 'json' },
      { uid: 'alice' },
    );
    expect(result.expiresAt).toBe('2024-06-02T00:00:00.000Z');
    expect(result.url).toContain(result.path);
    const parsed = JSON.parse(objectAt(result.path).toString('utf8')) as {
      conversation: { id: string; title: string };
      messages: Array<{ id: string; text: string; senderName: string; attachments: unknown[] }>;
    };
    expect(parsed.conversation).toMatchObject({ id: 'c1', title: 'Indigo commission' });
    expect(parsed.messages.map((m) => m.text)).toEqual([...TRICKY, 'The pattern']);
    expect(parsed.messages[1]!.senderName).toBe('Bob Potter');
    expect(parsed.messages[6]!.attachments).toEqual([
      {
        kind: 'file',
        name: 'pattern, v2.pdf',
        contentType: 'application/pdf',
        size: 2048,
        path: 'conversations/c1/bob/pattern.pdf',
      },
    ]);

    const job = await infra.store.get(paths.exportJob(result.exportId));
    expect(job.data).toMatchObject({
      ownerUid: 'alice',
      status: 'done',
      format: 'json',
      path: result.path,
      expiresAt: new Date('2024-06-02T00:00:00Z'),
    });
  });

  it('CSV parses back to the same texts and attachment names', async () => {
    const result = await call<{ path: string }>(
      exportConversation as Fn,
      { conversationId: 'c1', format: 'csv' },
      { uid: 'bob' },
    );
    const rows = parseCsv(objectAt(result.path));
    // Every text exactly, except the one starting with "=": a spreadsheet would run it, so it is quoted (see below).
    expect(rows.map((r) => r.text)).toEqual([...TRICKY.map((t) => (t.startsWith('=') ? `'${t}` : t)), 'The pattern']);
    expect(rows[5]!.text).toBe("'=SUM(A1) leading equals");
    expect(rows.map((r) => r.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm9']);
    expect(rows[6]).toMatchObject({
      senderName: 'Bob Potter',
      type: 'file',
      attachments: 'file:pattern, v2.pdf',
      createdAt: '2024-05-20T09:00:00.000Z',
    });
  });

  it('CSV neutralises formula injection (OWASP): cells starting with = + - @ tab or CR get a leading quote; JSON stays exact', async () => {
    // Also behind leading space, NUL or zero-width characters (spreadsheets skip them), and full-width triggers.
    const formulas = [
      '=HYPERLINK("http://evil","x")',
      "+1+cmd|' /C calc'!A0",
      '-2+3',
      '@SUM(A1:A9)',
      '\t=1+1',
      '\r=1+1',
      ' =leading space',
      "\u0000=cmd|' /C calc'!A0",
      '\u200b@SUM(A1)',
      '＝1+1',
    ];
    const ordinary = ['Commas, "quotes", and\nnewlines 🧶', 'Price: 5 - 3 = 2', "'already quoted", '€10 + shipping'];
    await seedUser(infra.store, { uid: 'mallory', displayName: "=cmd|' /C calc'!A0" });
    await seedConversation(infra.store, 'c2', ['alice', 'mallory'], { title: '@evil title' });
    for (const [i, text] of [...formulas, ...ordinary].entries()) {
      await seedMessage(infra.store, 'c2', `f${i}`, {
        senderId: 'mallory',
        text,
        createdAt: new Date(Date.UTC(2024, 4, 1, 9, i)),
        attachments: [{ kind: 'file', name: '=evil.pdf', path: 'x/y' }],
      });
    }

    const csv = parseCsv(
      objectAt(
        (
          await call<{ path: string }>(
            exportConversation as Fn,
            { conversationId: 'c2', format: 'csv' },
            { uid: 'alice' },
          )
        ).path,
      ),
    );
    expect(csv.map((r) => r.text)).toEqual([...formulas.map((t) => `'${t}`), ...ordinary]);
    expect(csv[0]!.text).toBe('\'=HYPERLINK("http://evil","x")');
    expect(new Set(csv.map((r) => r.senderName))).toEqual(new Set(["'=cmd|' /C calc'!A0"]));
    expect(csv[0]!.attachments).toBe('file:=evil.pdf');

    const json = JSON.parse(
      objectAt(
        (
          await call<{ path: string }>(
            exportConversation as Fn,
            { conversationId: 'c2', format: 'json' },
            { uid: 'alice' },
          )
        ).path,
      ).toString('utf8'),
    ) as { conversation: { title: string }; messages: Array<{ text: string; senderName: string }> };
    expect(json.messages.map((m) => m.text)).toEqual([...formulas, ...ordinary]);
    expect(json.messages[0]!.senderName).toBe("=cmd|' /C calc'!A0");
    expect(json.conversation.title).toBe('@evil title');

    // The GDPR ZIP's CSVs go through the same encoder.
    const files = await unzip(
      objectAt((await call<{ path: string }>(exportMyData as Fn, {}, { uid: 'mallory' })).path),
    );
    expect(parseCsv(files.get('conversations.csv')!)).toEqual([
      expect.objectContaining({ id: 'c2', title: "'@evil title" }),
    ]);
    expect(parseCsv(files.get('messages-sent.csv')!).map((r) => r.text)).toEqual([
      ...formulas.map((t) => `'${t}`),
      ...ordinary,
    ]);
  });

  it('the PDF prints every script the messages contain: German, Japanese, Hindi, Russian, Arabic, emoji (no "?")', async () => {
    const WORLD = [
      'Hello from Brooklyn',
      'Grüße aus München: Größe XL, Maße ändern',
      '日本語の漆器',
      'नमस्ते',
      'Привет, как дела?',
      'مرحبا',
      'Yarn 🧶 and needles 🪡',
      '輪島塗の椀を3つ、お願いします。',
    ];
    await seedUser(infra.store, { uid: 'yuki', displayName: '山田 由紀' });
    await seedUser(infra.store, { uid: 'priya', displayName: 'प्रिया शर्मा' });
    await seedConversation(infra.store, 'world', ['yuki', 'priya'], { title: '漆器 commission' });
    for (const [i, text] of WORLD.entries()) {
      await seedMessage(infra.store, 'world', `w${i}`, {
        senderId: i % 2 ? 'priya' : 'yuki',
        text,
        createdAt: new Date(Date.UTC(2024, 4, 1, 9, i)),
      });
    }
    const result = await pdfExport(
      exportConversation as Fn,
      { conversationId: 'world', format: 'pdf' },
      { uid: 'yuki' },
    );
    const bytes = objectAt(result.path);
    if (process.env.EXPORT_PDF_OUT) writeFileSync(process.env.EXPORT_PDF_OUT, bytes);
    const { text, fonts } = await pdfText(bytes);
    const flat = text.replace(/\s+/g, ' ');
    // Devanagari is shaped: the vowel sign ि is drawn before the consonant cluster it follows in the text, and the
    // reph (र्) after the syllable it sits on, so a text extractor (which reads glyphs in drawing order) gives
    // "िप्रया शमार्" for "प्रिया शर्मा". Seeing that order proves the name was shaped, not printed letter by letter.
    expect(flat).toContain('िप्रया शमार्');
    for (const expected of [
      '漆器 commission',
      '山田 由紀',
      'Hello from Brooklyn',
      'Grüße aus München: Größe XL, Maße ändern',
      '日本語の漆器',
      'नमस्ते',
      'Привет, как дела?',
      'مرحبا',
      '🧶',
      '🪡',
      '輪島塗の椀を3つ、お願いします。',
    ]) {
      expect(flat.replace(/ /g, '')).toContain(expected.replace(/ /g, ''));
    }
    expect(flat).not.toContain('?????');
    // The emoji come from an embedded monochrome emoji font, and each script from its own embedded font.
    expect(fonts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/DejaVuSans$/),
        expect.stringMatching(/DejaVuSans-Bold$/),
        expect.stringMatching(/NotoSansJP-Regular$/),
        expect.stringMatching(/NotoSansDevanagari-Regular$/),
        expect.stringMatching(/NotoEmoji-Regular$/),
      ]),
    );
    // Subsetting: only the glyphs used are embedded, so a transcript with Japanese stays small (the font is 5.5 MB).
    expect(bytes.length).toBeLessThan(400_000);
  });

  it('an English-only PDF embeds only the text font, and characters no font has are named by code point', async () => {
    await seedConversation(infra.store, 'en', ['alice', 'bob'], { title: 'Plain' });
    await seedMessage(infra.store, 'en', 'e1', {
      senderId: 'alice',
      text: 'Only English here, 5 — 3 … “quoted” €',
      createdAt: new Date(Date.UTC(2024, 4, 1, 9)),
    });
    await seedMessage(infra.store, 'en', 'e2', {
      senderId: 'bob',
      text: 'Korean: 한',
      createdAt: new Date(Date.UTC(2024, 4, 1, 10)),
    });
    const result = await pdfExport(exportConversation as Fn, { conversationId: 'en', format: 'pdf' }, { uid: 'alice' });
    const { text, fonts } = await pdfText(objectAt(result.path));
    expect(text.replace(/\s+/g, ' ')).toContain('Only English here, 5 — 3 … “quoted” €');
    expect(text.replace(/\s+/g, ' ')).toContain('Korean: [U+D55C]');
    expect(fonts.map((f) => f.replace(/^[A-Z]{6}\+/, '')).sort()).toEqual(['DejaVuSans', 'DejaVuSans-Bold']);
  });

  it('the PDF parses and holds each message: sender, time, type, text, attachment names', async () => {
    const result = await pdfExport(exportConversation as Fn, { conversationId: 'c1', format: 'pdf' }, { uid: 'alice' });
    const { text } = await pdfText(objectAt(result.path));
    for (const expected of [
      'Indigo commission',
      'Alice Weaver',
      'Bob Potter',
      'Plain hello',
      'Commas, everywhere, really',
      '"hand-dyed"',
      'Line two',
      'café',
      'Attachment (file): pattern, v2.pdf',
      'May 20, 2024, 9:00:00 AM UTC',
    ]) {
      expect(text.replace(/\s+/g, ' ')).toContain(expected);
    }
  });

  it('a PDF is queued: the callable answers at once, the background function renders it once however often it runs', async () => {
    const answer = await call<{ exportId: string; status: string }>(
      exportConversation as Fn,
      { conversationId: 'c1', format: 'pdf' },
      { uid: 'alice' },
    );
    expect(answer).toEqual({ exportId: expect.any(String), status: 'queued' });
    // Recorded and audited, nothing rendered yet.
    const jobPath = paths.exportJob(answer.exportId);
    expect(infra.store.dump()[jobPath]).toMatchObject({ status: 'queued', ownerUid: 'alice', format: 'pdf' });
    expect(storage.objects.size).toBe(0);
    expect(Object.values(infra.store.dump()).filter((d) => d.action === 'export.conversation')).toHaveLength(1);

    // The trigger delivered twice (at-least-once), concurrently and then again: one render, one object.
    await Promise.all([fireJobCreated(answer.exportId), fireJobCreated(answer.exportId)]);
    await fireJobCreated(answer.exportId);
    const job = infra.store.dump()[jobPath]!;
    expect(job).toMatchObject({
      status: 'done',
      path: `exports/alice/${answer.exportId}.pdf`,
      url: expect.any(String),
    });
    expect([...storage.objects.keys()]).toEqual([job.path]);
    expect(await (await services()).compliance.exports.renderQueued(answer.exportId)).toEqual({ status: 'skipped' });
    // JSON, CSV and ZIP jobs are made `running` and answered by the callable: the trigger leaves them alone.
    const json = await call<{ exportId: string }>(
      exportConversation as Fn,
      { conversationId: 'c1', format: 'json' },
      {
        uid: 'alice',
      },
    );
    await fireJobCreated(json.exportId);
    expect(storage.objects.size).toBe(2);
  });

  it('a queued PDF that cannot be rendered is failed with the reason, and nothing is served', async () => {
    const answer = await call<{ exportId: string }>(
      exportConversation as Fn,
      { conversationId: 'c1', format: 'pdf' },
      { uid: 'alice' },
    );
    await infra.store.delete(paths.conversation('c1'));
    await fireJobCreated(answer.exportId);
    expect(infra.store.dump()[paths.exportJob(answer.exportId)]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('conversation c1 does not exist'),
    });
    expect(infra.store.dump()[paths.exportJob(answer.exportId)]!.url).toBeUndefined();
    expect(storage.objects.size).toBe(0);

    // A job document that is not a valid request (written by hand, say) is failed naming the field.
    await infra.store.set(paths.exportJob('bad'), { status: 'queued', ownerUid: 'alice', kind: 'pdf-of-everything' });
    expect(await (await services()).compliance.exports.renderQueued('bad')).toMatchObject({ status: 'failed' });
    expect(infra.store.dump()[paths.exportJob('bad')]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/job\.kind/),
    });
  });

  it('the PDF names the participants, prints dates in the reader’s locale and zone, numbers its pages, and dates its metadata as the export', async () => {
    // A conversation without a title, under a raw id: the transcript must say who talked, not "conv_8f3k2".
    await seedConversation(infra.store, 'conv_8f3k2', ['alice', 'bob'], { title: null });
    for (let i = 0; i < 60; i++)
      await seedMessage(infra.store, 'conv_8f3k2', `x${i}`, {
        senderId: i % 2 ? 'bob' : 'alice',
        text: `Message number ${i}, about the indigo dye batch and when it ships.`,
        createdAt: new Date(Date.UTC(2024, 4, 1, 9, i)),
      });
    // Alice reads German, in Berlin (summer time: UTC+2).
    await infra.store.update(paths.user('alice'), { locale: 'de-DE', timeZone: 'Europe/Berlin' });
    const { path, job } = await pdfExport(
      exportConversation as Fn,
      { conversationId: 'conv_8f3k2', format: 'pdf' },
      { uid: 'alice' },
    );
    const bytes = objectAt(path);
    const { text, pages } = await pdfText(bytes);
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Conversation: Alice Weaver, Bob Potter');
    expect(flat).toContain('Participants: Alice Weaver, Bob Potter');
    expect(flat).not.toContain('conv_8f3k2');
    // 09:00 UTC on 1 May is 11:00 in Berlin, written the German way; the export's own time likewise.
    expect(flat).toContain('Alice Weaver · 01.05.2024, 11:00:00 MESZ · text');
    expect(flat).not.toContain('2024-05-01');
    expect(flat).toContain('Exported 01.06.2024, 02:00:00 MESZ');
    // Numbered pages: "Page n" on page n.
    expect(pages).toBeGreaterThan(1);
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
    for (let n = 1; n <= doc.numPages; n++) {
      const items = (await (await doc.getPage(n)).getTextContent()).items.map((item) =>
        'str' in item ? item.str : '',
      );
      expect(items).toContain(`Page ${n}`);
    }
    // The metadata's date is the export's (the job's createdAt), not the wall clock of the renderer.
    const { info } = (await doc.getMetadata()) as unknown as {
      info: { CreationDate: string; ModDate: string; Title: string };
    };
    expect(job.createdAt).toEqual(new Date('2024-06-01T00:00:00Z'));
    expect(info.CreationDate).toBe('D:20240601000000Z');
    expect(info.ModDate).toBe('D:20240601000000Z');
    expect(info.Title).toBe('Conversation: Alice Weaver, Bob Potter');
  });

  it('exportNotifications as a PDF (was INTERNAL: a TypeError laying notifications out as messages)', async () => {
    await infra.store.set(paths.notification('alice', 'n1'), {
      type: 'order.shipped',
      category: 'orders',
      title: 'Your order shipped',
      body: 'Walnut bowl is on its way (DHL)',
      data: { orderId: 'o1', link: '/orders/o1' },
      read: true,
      createdAt: new Date('2024-05-03T10:00:00Z'),
    });
    const { path } = await pdfExport(exportNotifications as Fn, { format: 'pdf' }, { uid: 'alice' });
    const flat = (await pdfText(objectAt(path))).text.replace(/\s+/g, ' ');
    for (const expected of [
      'Notifications of Alice Weaver',
      'May 3, 2024, 10:00:00 AM UTC · orders · read',
      'Your order shipped',
      'Walnut bowl is on its way (DHL)',
      'Link: /orders/o1',
      'Page 1',
    ])
      expect(flat).toContain(expected);
  });

  it('the notifications link column holds the deep link, in exportNotifications and in the GDPR notifications.csv', async () => {
    await infra.store.set(paths.notification('alice', 'n1'), {
      type: 'order.shipped',
      category: 'orders',
      title: 'Your order shipped',
      body: 'x',
      data: { orderId: 'o1', link: '/orders/o1' },
      createdAt: new Date('2024-05-03T10:00:00Z'),
    });
    await infra.store.set(paths.notification('alice', 'n2'), {
      title: 'No link here',
      body: 'y',
      createdAt: new Date('2024-05-04T10:00:00Z'),
    });
    const own = await call<{ path: string }>(exportNotifications as Fn, { format: 'csv' }, { uid: 'alice' });
    expect(parseCsv(objectAt(own.path)).map((r) => [r.id, r.link])).toEqual([
      ['n1', '/orders/o1'],
      ['n2', ''],
    ]);
    const zip = await call<{ path: string }>(exportMyData as Fn, {}, { uid: 'alice' });
    const files = await unzip(objectAt(zip.path));
    expect(parseCsv(files.get('notifications.csv')!).map((r) => [r.id, r.link])).toEqual([
      ['n1', '/orders/o1'],
      ['n2', ''],
    ]);
    expect(JSON.parse(files.get('notifications.json')!.toString()).notifications[0]).toMatchObject({
      link: '/orders/o1',
      data: { orderId: 'o1', link: '/orders/o1' },
    });
  });

  it('honours the date range', async () => {
    const result = await call<{ path: string }>(
      exportConversation as Fn,
      { conversationId: 'c1', format: 'csv', from: '2024-05-02T00:00:00Z', to: '2024-05-04T23:59:59Z' },
      { uid: 'alice' },
    );
    expect(parseCsv(objectAt(result.path)).map((r) => r.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('rejects bad input with clear errors: unknown format, not a member, inverted range, no auth', async () => {
    await expect(
      call(exportConversation as Fn, { conversationId: 'c1', format: 'xlsx' }, { uid: 'alice' }),
    ).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/data\.format/) });
    await expect(
      call(exportConversation as Fn, { conversationId: 'c1', format: 'json' }, { uid: 'carol' }),
    ).rejects.toMatchObject({ code: 'permission-denied', message: 'you are not a member of this conversation' });
    await expect(
      call(
        exportConversation as Fn,
        { conversationId: 'c1', format: 'json', from: '2024-05-05T00:00:00Z', to: '2024-05-01T00:00:00Z' },
        { uid: 'alice' },
      ),
    ).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/data\.from: from must not be after to/),
    });
    await expect(
      call(exportConversation as Fn, { conversationId: 'nope', format: 'json' }, { uid: 'alice' }),
    ).rejects.toMatchObject({ code: 'not-found' });
    await expect(call(exportConversation as Fn, { conversationId: 'c1', format: 'json' })).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    // Nothing was written for the refused requests.
    expect(storage.objects.size).toBe(0);
    expect(Object.keys(infra.store.dump()).filter((p) => p.startsWith('exports/'))).toEqual([]);
  });

  it('the compliance role exports any conversation, and the export is audited as on behalf of compliance', async () => {
    const result = await call<{ exportId: string }>(
      exportConversation as Fn,
      { conversationId: 'c1', format: 'json' },
      { uid: 'officer', roles: ['compliance'] },
    );
    const audit = Object.values(infra.store.dump()).filter((d) => d.action === 'export.conversation');
    expect(audit).toEqual([
      expect.objectContaining({
        actorUid: 'officer',
        target: { type: 'conversation', id: 'c1' },
        details: expect.objectContaining({ exportId: result.exportId, onBehalfOf: 'compliance', format: 'json' }),
      }),
    ]);
  });

  it('exportNotifications: own by default, someone else only with the compliance role', async () => {
    await infra.store.set(paths.notification('alice', 'n1'), {
      type: 'message.new',
      category: 'messaging',
      title: 'New message',
      body: 'Bob: "hi", there',
      read: false,
      createdAt: new Date('2024-05-03T00:00:00Z'),
    });
    const own = await call<{ path: string }>(exportNotifications as Fn, { format: 'csv' }, { uid: 'alice' });
    expect(parseCsv(objectAt(own.path))).toEqual([
      expect.objectContaining({ id: 'n1', body: 'Bob: "hi", there', createdAt: '2024-05-03T00:00:00.000Z' }),
    ]);
    await expect(
      call(exportNotifications as Fn, { uid: 'alice', format: 'json' }, { uid: 'bob' }),
    ).rejects.toMatchObject({ code: 'permission-denied' });
    const asOfficer = await call<{ path: string }>(
      exportNotifications as Fn,
      { uid: 'alice', format: 'json' },
      { uid: 'officer', roles: ['compliance'] },
    );
    expect(JSON.parse(objectAt(asOfficer.path).toString()).notifications).toHaveLength(1);
  });

  it('exportMyData: a ZIP of JSON and CSV with profile, preferences, devices, notifications, conversations and sent messages', async () => {
    await infra.store.set(paths.preferences('alice'), { channels: { email: true } });
    await infra.store.set(paths.device('alice', 'd1'), { token: 'tok', platform: 'ios' });
    await infra.store.set(paths.notification('alice', 'n1'), {
      title: 'Outbid',
      body: 'x',
      createdAt: new Date('2024-05-03T00:00:00Z'),
    });
    // Her activity feed (users/{uid}/activity), as the triggers write it.
    await infra.store.set('users/alice/activity/a_1', {
      id: 'a_1',
      kind: 'bid',
      verb: 'auction.bid_placed',
      createdAt: new Date('2024-05-03T00:00:00Z'),
      refs: { auctionId: 'a1' },
      details: { auctionTitle: 'Walnut bowl', amount: 140, currency: 'USD' },
    });
    const result = await call<{ path: string }>(exportMyData as Fn, {}, { uid: 'alice' });
    expect(storage.objects.get(result.path)?.contentType).toBe('application/zip');
    const files = await unzip(objectAt(result.path));
    expect([...files.keys()].sort()).toEqual([
      'activity.json',
      'conversations.csv',
      'conversations.json',
      'devices.json',
      'keys.json',
      'messages-sent.csv',
      'messages-sent.json',
      'notifications.csv',
      'notifications.json',
      'preferences.json',
      'profile.json',
    ]);
    expect(JSON.parse(files.get('profile.json')!.toString()).documents[0]).toMatchObject({
      id: 'alice',
      email: 'alice@example.com',
    });
    expect(JSON.parse(files.get('devices.json')!.toString()).devices).toEqual([
      { id: 'd1', token: 'tok', platform: 'ios' },
    ]);
    expect(JSON.parse(files.get('activity.json')!.toString()).activity).toEqual([
      expect.objectContaining({
        id: 'a_1',
        verb: 'auction.bid_placed',
        details: expect.objectContaining({ amount: 140 }),
      }),
    ]);
    const sent = parseCsv(files.get('messages-sent.csv')!);
    expect(sent.map((r) => r.text)).toEqual([TRICKY[0], TRICKY[2], TRICKY[4]]);
    expect(JSON.parse(files.get('messages-sent.json')!.toString()).messages).toHaveLength(3);
    expect(parseCsv(files.get('conversations.csv')!)).toEqual([
      expect.objectContaining({ id: 'c1', title: 'Indigo commission' }),
    ]);
  });
});

describe('the PDF transcript wraps plain text itself', () => {
  it('long lines and long words stay inside the margins, every word extracted in order', async () => {
    const paragraph =
      'A long paragraph of ordinary text that wraps across several lines at its spaces, never past the right margin. '
        .repeat(3)
        .trim();
    const word = 'Averylongwordwithoutanyspaces'.repeat(5);
    async function* messages() {
      for (const [i, text] of [
        paragraph,
        word,
        'Yarn 🧶 and needles, then a long tail of words that must also wrap across the end of the line here',
      ].entries()) {
        yield {
          conversationId: 'c',
          id: `m${i}`,
          senderId: 'a',
          senderName: 'Alice Weaver',
          type: 'text',
          text,
          createdAt: `2024-05-0${i + 1}T09:00:00.000Z`,
          attachments: [],
        };
      }
    }
    const header = { title: 'Wrapping', lines: ['sub'], createdAt: new Date(), pageLabel: (n: number) => `Page ${n}` };
    const entries = async function* () {
      for await (const m of messages()) yield transcriptEntry(m);
    };
    const bytes = Buffer.concat(await (await pdfTranscript(header, entries())).toArray());
    const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
    const doc = await pdfjs.getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
    const items = (await (await doc.getPage(1)).getTextContent()).items.flatMap((item) =>
      'str' in item && item.str.trim() ? [item] : [],
    );
    for (const item of items) {
      expect(item.transform[4]).toBeGreaterThanOrEqual(50 - 0.01);
      expect(item.transform[4] + item.width).toBeLessThanOrEqual(595.28 - 50 + 0.01);
    }
    const lines = items.map((item) => item.str);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain(paragraph);
    // The paragraph takes several lines; the word is cut between characters, nothing lost.
    expect(lines.filter((l) => l.startsWith('A long paragraph') || l.includes('margin')).length).toBeGreaterThan(1);
    expect(lines.filter((l) => /^[A-Za-z]+$/.test(l) && word.includes(l)).length).toBeGreaterThan(1);
    expect(lines.join('').replace(/\s+/g, '')).toContain(word);
  });
});

describe('zipStream: entries compressed in parallel, memory bounded', () => {
  const text = (n: number) =>
    Readable.from(
      (function* () {
        for (let i = 0; i < n; i++) yield `{"id":"m${i}","text":"record ${i} ünïcode 🧶"},\n`;
      })(),
    );

  it('reads and deflates the next entries while one is written, and the archive unzips to the same bytes', async () => {
    const opened: string[] = [];
    let secondOpened!: () => void;
    const second = new Promise<void>((resolve) => (secondOpened = resolve));
    const entries = [
      {
        name: 'first.json',
        // Finishes only once the writer has opened the next entry: a writer that works entry after entry never ends.
        content: () => {
          opened.push('first');
          return Readable.from(
            (async function* () {
              yield 'first ';
              await second;
              yield 'done';
            })(),
          );
        },
      },
      { name: 'messages-sent.json', content: () => (opened.push('second'), secondOpened(), text(20_000)) },
      {
        name: 'ünïcode name.csv',
        content: () => (opened.push('third'), Readable.from([Buffer.from('a,b\r\n1,2\r\n')])),
      },
      { name: 'empty.json', content: () => Readable.from([]) },
    ];
    const bytes = Buffer.concat(await zipStream(entries, { modified: new Date('2024-06-01T00:00:00Z') }).toArray());
    expect(opened).toEqual(['first', 'second', 'third']);
    const files = await unzip(bytes);
    expect([...files.keys()]).toEqual(['first.json', 'messages-sent.json', 'ünïcode name.csv', 'empty.json']);
    expect(files.get('first.json')!.toString()).toBe('first done');
    expect(
      files.get('messages-sent.json')!.equals(
        Buffer.concat(
          await text(20_000)
            .map((s: string) => Buffer.from(s))
            .toArray(),
        ),
      ),
    ).toBe(true);
    expect(files.get('ünïcode name.csv')!.toString()).toBe('a,b\r\n1,2\r\n');
    expect(files.get('empty.json')!.length).toBe(0);
    // Compressed: 20,000 similar records deflate to a fraction.
    expect(bytes.length).toBeLessThan(files.get('messages-sent.json')!.length / 5);
  });

  it('an entry ahead of its turn stops reading once its buffer is full', async () => {
    let produced = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const incompressible = () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < 1000; i++) {
            produced++;
            yield randomBytes(16 * 1024);
          }
        })(),
      );
    const archive = zipStream(
      [
        {
          name: 'slow.json',
          content: () =>
            Readable.from(
              (async function* () {
                await held;
                yield 'x';
              })(),
            ),
        },
        { name: 'big.bin', content: incompressible },
      ],
      { aheadBytes: 256 * 1024 },
    );
    const reading = archive.toArray();
    // Until the entry ahead stops producing (it has filled its buffer) or has produced everything.
    for (let last = -1; produced !== last && produced < 1000;) {
      last = produced;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // 16 MB if nothing held it back; the buffer (256 KB) and the streams between hold a few hundred KB.
    expect(produced * 16 * 1024).toBeLessThan(4 * 1024 * 1024);
    release();
    const files = await unzip(Buffer.concat(await reading));
    expect(files.get('big.bin')!.length).toBe(1000 * 16 * 1024);
  });
});
