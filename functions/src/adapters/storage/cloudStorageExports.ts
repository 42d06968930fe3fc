import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { App } from 'firebase-admin/app';
import type { ObjectStorage } from '../../ports.js';

export interface CloudStorageConfig {
  app: () => App;
  /** Bucket name; empty or undefined means the project's default bucket. */
  bucket: () => string | undefined;
  /**
   * How download URLs are made. Defaults to V4 signed URLs (the function's service account signs through IAM).
   * The Storage emulator cannot sign, so the emulator tier passes its own.
   */
  sign?: (file: { bucket: string; name: string }, expiresAt: Date) => Promise<string>;
}

/**
 * Exports in Cloud Storage through firebase-admin/storage, loaded on first use. Objects are written with a resumable
 * upload stream fed by `pipeline`, so backpressure reaches the producer and memory stays bounded.
 */
export class CloudStorageExports implements ObjectStorage {
  constructor(private readonly config: CloudStorageConfig) {}

  private async bucket() {
    const { getStorage } = await import('firebase-admin/storage');
    const name = this.config.bucket();
    return getStorage(this.config.app()).bucket(name || undefined);
  }

  async write(path: string, contentType: string, source: Readable): Promise<{ bytes: number }> {
    const file = (await this.bucket()).file(path);
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(
      source,
      count,
      file.createWriteStream({ contentType, resumable: true, metadata: { cacheControl: 'private, max-age=0' } }),
    );
    return { bytes };
  }

  async signedUrl(path: string, expiresAt: Date): Promise<string> {
    const bucket = await this.bucket();
    if (this.config.sign) return this.config.sign({ bucket: bucket.name, name: path }, expiresAt);
    const [url] = await bucket.file(path).getSignedUrl({ action: 'read', version: 'v4', expires: expiresAt });
    return url;
  }

  async delete(path: string): Promise<void> {
    await (await this.bucket()).file(path).delete({ ignoreNotFound: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const bucket = await this.bucket();
    const [files] = await bucket.getFiles({ prefix });
    await Promise.all(files.map((file) => file.delete({ ignoreNotFound: true })));
    return files.length;
  }
}
