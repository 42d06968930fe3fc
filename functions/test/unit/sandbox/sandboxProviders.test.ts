import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isValidTwilioSignature } from '../../../src/adapters/twilio/signature.js';
import { SANDBOX_CREDENTIALS } from '../../../src/local/sandbox/credentials.js';
import { firebaseDelivery, firebaseInfra } from '../../../src/composition/cloud.js';
import { SANDBOX_URL_ENV, sandboxProviders } from '../../../src/local/sandbox/connect.js';
import type { SandboxConnection } from '../../../src/local/sandbox/connect.js';
import { SandboxServer } from '../../../src/local/sandbox/server.js';
import { SANDBOX_DEAD_TOKEN_PREFIX } from '../../../src/local/sandbox/fcm.js';
import { SandboxExportStorage } from '../../../src/local/sandbox/storage.js';
import type { Captured } from '../../../src/local/sandbox/outbox.js';
import { paths } from '../../../src/domain/paths.js';
import { MAYA, job, queued } from '../../support/delivery.js';
import { testWorld } from '../../support/world.js';
import { deliveryId } from '../../../src/domain/delivery.js';

/**
 * The sandbox-providers process's server, in-process: the functions' own provider adapters in sandbox mode (what the
 * Functions emulator runs with SANDBOX_PROVIDERS_URL) send through the real SDKs — firebase-admin messaging, twilio,
 * @sendgrid/mail, algoliasearch — and the outbox captures each call, over HTTP and as files.
 */
describe('sandbox providers', () => {
  let sandbox: SandboxServer;
  let outDir: string;
  let connection: SandboxConnection;
  const outbox = async (kind: string, query = ''): Promise<Captured[]> =>
    (await fetch(`${sandbox.url}/outbox/${kind}${query}`)).json() as Promise<Captured[]>;

  const savedEnv = { ...process.env };
  beforeAll(async () => {
    // The params the Functions emulator reads from functions/.env.demo-craft-comms.
    Object.assign(process.env, {
      SENDGRID_FROM_EMAIL: 'notifications@craft.example',
      PUBLIC_BASE_URL: 'http://127.0.0.1:5001/demo-craft-comms/europe-west1',
      WEB_APP_URL: 'https://craft.example',
      ALGOLIA_INDEX: 'messages',
    });
    outDir = await mkdtemp(join(tmpdir(), 'sandbox-'));
    sandbox = await new SandboxServer({ outDir }).start(0);
    connection = sandboxProviders({ FUNCTIONS_EMULATOR: 'true', [SANDBOX_URL_ENV]: sandbox.url })!;
  });
  afterAll(async () => {
    process.env = savedEnv;
    await sandbox.stop();
    await rm(outDir, { recursive: true, force: true });
  });

  it('is used only inside the Functions emulator: production never reads SANDBOX_PROVIDERS_URL', () => {
    expect(sandboxProviders({ [SANDBOX_URL_ENV]: 'http://127.0.0.1:5006' })).toBeUndefined();
    expect(sandboxProviders({ FUNCTIONS_EMULATOR: 'true' })).toBeUndefined();
    expect(sandboxProviders({ FUNCTIONS_EMULATOR: 'true', [SANDBOX_URL_ENV]: 'http://127.0.0.1:5006' })).toEqual({
      origin: 'http://127.0.0.1:5006',
      host: '127.0.0.1',
      port: 5006,
    });
  });

  it('delivers push, SMS and email jobs through FCM, Twilio and SendGrid SDKs into the outbox, by delivery id', async () => {
    const { infra, services } = await testWorld({
      now: new Date(),
      adapters: {
        delivery: firebaseDelivery(() => {
          throw new Error('the sandbox needs no default app');
        }, connection),
      },
      users: [{ ...MAYA, timeZone: 'UTC' }],
    });
    await services.delivery.devices.register(
      { uid: 'u1' },
      { token: 'sandbox-token-aaaaaaaaaaaaaaaaaaaa', platform: 'android', appVersion: '1.0', locale: 'en' },
    );
    await services.delivery.devices.register(
      { uid: 'u1' },
      { token: `${SANDBOX_DEAD_TOKEN_PREFIX}bbbbbbbbbbbbbbbbbbbb`, platform: 'ios', appVersion: '1.0', locale: 'en' },
    );
    for (const channel of ['push', 'sms', 'email'] as const) {
      const j = job(channel);
      await queued(infra.store, j);
      await services.delivery.channels.handle(channel, j);
      const record = (await infra.store.get(paths.delivery(j.deliveryId))).data;
      expect(record, JSON.stringify(record?.errors)).toMatchObject({ status: 'sent' });
    }

    const [push] = await outbox('push', `?deliveryId=${job('push').deliveryId}&to=sandbox-token-aaaaaaaaaaaaaaaaaaaa`);
    expect(push).toMatchObject({
      kind: 'push',
      status: 200,
      path: expect.stringMatching(/^\/v1\/projects\/[^/]+\/messages:send$/),
    });
    expect((push!.request as { message: { notification: unknown } }).message.notification).toEqual({
      title: 'Your order shipped',
      body: 'Walnut bowl is on its way',
    });
    // The dead token was refused (404 UNREGISTERED) and pruned from the user's devices.
    expect((await outbox('push', `?to=${SANDBOX_DEAD_TOKEN_PREFIX}bbbbbbbbbbbbbbbbbbbb`)).map((c) => c.status)).toEqual(
      [404],
    );
    expect((await services.delivery.devices.list('u1')).map((d) => d.token)).toEqual([
      'sandbox-token-aaaaaaaaaaaaaaaaaaaa',
    ]);

    const [sms] = await outbox('sms', `?deliveryId=${job('sms').deliveryId}`);
    expect(sms).toMatchObject({
      status: 201,
      to: '+12125550101',
      request: {
        Body: 'Craft: your Walnut bowl shipped. Reply STOP to opt out.',
        MessagingServiceSid: expect.stringMatching(/^MG/),
      },
    });
    const [email] = await outbox('email', `?deliveryId=${job('email').deliveryId}`);
    expect(email).toMatchObject({ status: 202, to: 'maya@studio.example', request: { subject: 'Your order shipped' } });

    await sandbox.outbox.flushed();
    expect((await readdir(join(outDir, 'email'))).sort()).toEqual([
      `${job('email').deliveryId}.html`,
      `${job('email').deliveryId}.json`,
    ]);
    expect(await readFile(join(outDir, 'email', `${job('email').deliveryId}.html`), 'utf8')).toContain(
      'Walnut bowl is on its way',
    );
    expect(JSON.parse(await readFile(join(outDir, 'sms', `${job('sms').deliveryId}.json`), 'utf8'))).toMatchObject({
      To: '+12125550101',
    });
    expect(JSON.parse(await readFile(join(outDir, 'push', `${job('push').deliveryId}.json`), 'utf8'))[0]).toMatchObject(
      { token: 'sandbox-token-aaaaaaaaaaaaaaaaaaaa' },
    );
  });

  it('runs Twilio Verify with the sandbox code, which the outbox shows', async () => {
    const verifier = firebaseDelivery(() => {
      throw new Error('unused');
    }, connection).smsVerifier;
    await expect(verifier.start('+12125550199')).resolves.toEqual({ status: 'pending' });
    const [started] = await outbox('verify', '?to=%2B12125550199');
    expect(started!.code).toMatch(/^\d{6}$/);
    await expect(verifier.check('+12125550199', '000000')).resolves.toEqual({ approved: false, status: 'pending' });
    await expect(verifier.check('+12125550199', started!.code!)).resolves.toEqual({
      approved: true,
      status: 'approved',
    });
  });

  it("indexes and searches messages in the sandbox Algolia through the functions' own infra", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { FUNCTIONS_EMULATOR: 'true', [SANDBOX_URL_ENV]: sandbox.url });
    try {
      const index = firebaseInfra().messageIndex;
      await index.saveRecords([
        {
          objectID: 'c1/m1',
          conversationId: 'c1',
          senderId: 'a',
          senderName: 'Ana',
          type: 'text',
          text: 'indigo wool',
          createdAt: 1,
          attachmentKinds: [],
          attachmentNames: [],
          visibleTo: ['a', 'b'],
        },
      ]);
      const found = await index.search({ query: 'indigo', visibleTo: 'b', page: 0, hitsPerPage: 10 });
      expect(found.hits.map((h) => h.objectID)).toEqual(['c1/m1']);
      expect(await (await fetch(`${sandbox.url}/search/messages`)).json()).toMatchObject([
        { objectID: 'c1/m1', visibleTo: ['a', 'b'] },
      ]);
    } finally {
      process.env = saved;
    }
  });

  it("calls each SMS's StatusCallback like Twilio (sent, delivered), signed so the twilioStatus webhook verifies it", async () => {
    const received: Array<{ url: string; signature: string; params: Record<string, string> }> = [];
    const functions = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({
          url: req.url ?? '',
          signature: String(req.headers['x-twilio-signature']),
          params: Object.fromEntries(new URLSearchParams(body)),
        });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => functions.listen(0, '127.0.0.1', resolve));
    const callbacks = await new SandboxServer({
      functionsOrigin: `http://127.0.0.1:${(functions.address() as AddressInfo).port}`,
    }).start(0);
    try {
      const sms = firebaseDelivery(
        () => {
          throw new Error('unused');
        },
        sandboxProviders({ FUNCTIONS_EMULATOR: 'true', [SANDBOX_URL_ENV]: callbacks.url })!,
      ).sms;
      // What PUBLIC_BASE_URL makes of it: the suite's default port, which this "Functions emulator" does not listen on.
      const statusCallback = `http://127.0.0.1:5001/demo-craft-comms/europe-west1/twilioStatus?deliveryId=${deliveryId('evt9', 'u1', 'sms')}`;
      const receipt = await sms.send({ to: '+12125550101', body: 'Craft: test', statusCallback });
      await vi.waitFor(() => expect(received).toHaveLength(2), { timeout: 5_000 });
      expect(received.map((r) => r.params.MessageStatus)).toEqual(['sent', 'delivered']);
      for (const r of received) {
        expect(r.url).toBe(`/demo-craft-comms/europe-west1/twilioStatus?deliveryId=${deliveryId('evt9', 'u1', 'sms')}`);
        expect(r.params).toMatchObject({ MessageSid: receipt.sid, To: '+12125550101' });
        await expect(
          isValidTwilioSignature({
            authToken: SANDBOX_CREDENTIALS.twilio.authToken,
            signature: r.signature,
            url: statusCallback,
            params: r.params,
          }),
        ).resolves.toBe(true);
      }
    } finally {
      await callbacks.stop();
      functions.close();
    }
  });

  it('keeps export objects when no Storage emulator runs: streamed in, downloadable until the link expires, deleted by prefix', async () => {
    const storage = new SandboxExportStorage(connection.origin);
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0x00, 0xfe]);
    await expect(storage.write('exports/u1/e1.pdf', 'application/pdf', Readable.from([bytes]))).resolves.toEqual({
      bytes: 7,
    });
    await storage.write('exports/u2/e2.csv', 'text/csv', Readable.from(['a,b\n']));
    const url = await storage.signedUrl('exports/u1/e1.pdf', new Date(Date.now() + 60_000));
    const download = await fetch(url);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    expect((await fetch(await storage.signedUrl('exports/u1/e1.pdf', new Date(Date.now() - 1)))).status).toBe(403);
    await expect(storage.deletePrefix('exports/u1/')).resolves.toBe(1);
    expect((await fetch(url)).status).toBe(404);
    expect(await (await fetch(`${sandbox.url}/storage?prefix=exports/`)).json()).toEqual([
      { name: 'exports/u2/e2.csv', contentType: 'text/csv', bytes: 4 },
    ]);
  });

  it('serves its own API: health, outbox per kind, clearing; unknown paths are 404', async () => {
    expect(await (await fetch(`${sandbox.url}/health`)).json()).toMatchObject({ service: 'craft-sandbox-providers' });
    const all = (await (await fetch(`${sandbox.url}/outbox`)).json()) as Record<string, unknown[]>;
    expect(Object.keys(all)).toEqual(['push', 'sms', 'verify', 'email', 'search']);
    expect((await fetch(`${sandbox.url}/outbox/pigeon`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/nothing-here`)).status).toBe(404);
    expect(await (await fetch(`${sandbox.url}/outbox`, { method: 'DELETE' })).json()).toMatchObject({
      cleared: expect.any(Number),
    });
    expect(await outbox('push')).toEqual([]);
  });
});
