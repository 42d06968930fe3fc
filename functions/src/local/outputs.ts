import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LocalSystem } from './localSystem.js';
import type { Transcript } from './transcript.js';

/** Extra files a step produced (exports), by path under out/. */
export type OutputFiles = Map<string, Buffer | string>;

/**
 * Writes what the providers would have received: each email as the .html SendGrid would get (plus its envelope as
 * .json), each SMS and push as the JSON request body, named by delivery id (the transcript cites these names); then
 * the files steps produced (exports) and the transcript itself. Returns the number of files written.
 */
export async function writeOutputs(
  system: LocalSystem,
  dir: string,
  transcript: Transcript,
  extra: OutputFiles,
): Promise<number> {
  for (const sub of ['email', 'sms', 'push', 'exports']) await rm(join(dir, sub), { recursive: true, force: true });
  const files = new Map<string, Buffer | string>(extra);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

  const pushes = new Map<string, unknown[]>();
  for (const message of system.senders.push.sent) {
    const id = message.data.deliveryId ?? 'unknown';
    pushes.set(id, [...(pushes.get(id) ?? []), message]);
  }
  for (const [id, messages] of pushes) files.set(`push/${id}.json`, json(messages));
  for (const message of system.senders.sms.sent) {
    const id = new URL(message.statusCallback).searchParams.get('deliveryId') ?? message.sid;
    files.set(`sms/${id}.json`, json(message));
  }
  for (const message of system.senders.email.sent) {
    const id = message.customArgs.deliveryId ?? message.messageId;
    const { html, ...envelope } = message;
    files.set(`email/${id}.html`, html);
    files.set(`email/${id}.json`, json(envelope));
  }
  files.set('transcript.txt', `${transcript.toText().trimStart()}\n`);

  for (const [path, content] of files) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return files.size;
}
