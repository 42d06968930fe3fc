import { Writable } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../../ports.js';

/**
 * Object storage in memory, for tests and the local run. `keepBytes: false` counts bytes without keeping them (the
 * export benchmark), so the measurement is of the exporter, not of the sink.
 */
export class MemoryObjectStorage implements ObjectStorage {
  readonly objects = new Map<string, { contentType: string; bytes: Buffer }>();
  readonly sizes = new Map<string, number>();

  constructor(private readonly options: { keepBytes?: boolean } = {}) {}

  async write(path: string, contentType: string, source: Readable): Promise<{ bytes: number }> {
    const keep = this.options.keepBytes ?? true;
    const chunks: Buffer[] = [];
    let bytes = 0;
    await pipeline(
      source,
      new Writable({
        write(chunk: Buffer | string, _encoding, done) {
          const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          bytes += buffer.length;
          if (keep) chunks.push(buffer);
          done();
        },
      }),
    );
    if (keep) this.objects.set(path, { contentType, bytes: Buffer.concat(chunks) });
    this.sizes.set(path, bytes);
    return { bytes };
  }

  async signedUrl(path: string, expiresAt: Date): Promise<string> {
    if (!this.sizes.has(path)) throw new Error(`no object at ${path}`);
    return `memory://exports/${path}?expires=${expiresAt.toISOString()}`;
  }

  async delete(path: string): Promise<void> {
    this.objects.delete(path);
    this.sizes.delete(path);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const paths = [...this.sizes.keys()].filter((path) => path.startsWith(prefix));
    for (const path of paths) {
      this.objects.delete(path);
      this.sizes.delete(path);
    }
    return paths.length;
  }

  /** Every stored object's path. */
  paths(): string[] {
    return [...this.sizes.keys()];
  }

  /** Everything stored, as text, for "no trace of this person" checks. */
  allText(): string {
    return [...this.objects.values()].map((o) => o.bytes.toString('utf8')).join('\n');
  }
}
