import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStorage } from '../../ports.js';

/**
 * Export storage for the emulator suite when no Storage emulator runs (on this machine image it cannot: its rules
 * runtime downloads from Google). Without it, firebase-admin's Cloud Storage client would go to the real Cloud
 * Storage; instead the sandbox keeps the objects (under its out dir, `storage/`, or a temporary one) and serves them:
 *   PUT /storage/o/<path>          store the body (streamed)
 *   GET /storage/o/<path>?expires= download (the "signed" URL the export callables hand out; refused once expired)
 *   DELETE /storage/o/<path>       delete one object (a tombstoned message's media)
 *   GET /storage?prefix=           list          DELETE /storage?prefix=   delete (erasure)
 */
export class SandboxObjectStore {
  private readonly types = new Map<string, { contentType: string; bytes: number }>();
  private root: string | undefined;

  constructor(private readonly dir?: string) {}

  private async base(): Promise<string> {
    this.root ??= this.dir
      ? (await mkdir(this.dir, { recursive: true }), this.dir)
      : await mkdtemp(join(tmpdir(), 'sandbox-storage-'));
    return this.root;
  }

  async dispose(): Promise<void> {
    if (this.root && !this.dir) await rm(this.root, { recursive: true, force: true });
  }

  private async file(path: string): Promise<string | undefined> {
    const base = await this.base();
    const full = normalize(join(base, path));
    return full.startsWith(base + sep) ? full : undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/storage') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const names = [...this.types.keys()].filter((name) => name.startsWith(prefix)).sort();
      if (req.method === 'GET')
        return json(
          200,
          names.map((name) => ({ name, ...this.types.get(name) })),
        );
      if (req.method === 'DELETE') {
        if (!prefix) return json(400, { error: 'DELETE /storage needs a prefix' });
        for (const name of names) {
          this.types.delete(name);
          const file = await this.file(name);
          if (file) await rm(file, { force: true });
        }
        return json(200, { deleted: names.length });
      }
      return json(405, { error: 'GET or DELETE /storage?prefix=' });
    }
    const name = decodeURIComponent(url.pathname.slice('/storage/o/'.length));
    const file = name ? await this.file(name) : undefined;
    if (!file) return json(400, { error: `bad object name ${name}` });
    if (req.method === 'PUT') {
      await mkdir(dirname(file), { recursive: true });
      let bytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(req, count, createWriteStream(file));
      this.types.set(name, { contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), bytes });
      return json(200, { name, bytes });
    }
    if (req.method === 'GET') {
      const expires = Number(url.searchParams.get('expires') ?? Infinity);
      if (expires < Date.now()) return json(403, { error: 'this download link has expired' });
      const meta = this.types.get(name);
      if (!meta || !(await stat(file).catch(() => undefined))) return json(404, { error: `no object ${name}` });
      res.writeHead(200, { 'content-type': meta.contentType, 'content-length': String(meta.bytes) });
      await pipeline(createReadStream(file), res);
      return;
    }
    if (req.method === 'DELETE') {
      const existed = this.types.delete(name);
      await rm(file, { force: true });
      return json(200, { deleted: existed ? 1 : 0 });
    }
    return json(405, { error: 'PUT, GET or DELETE /storage/o/<path>' });
  }
}

/** The functions' export storage in the emulator suite without a Storage emulator: the sandbox's object store. */
export class SandboxExportStorage implements ObjectStorage {
  constructor(private readonly origin: string) {}

  private url(path: string): string {
    return `${this.origin}/storage/o/${encodeURIComponent(path)}`;
  }

  async write(path: string, contentType: string, source: Readable): Promise<{ bytes: number }> {
    const { Readable: NodeReadable } = await import('node:stream');
    const response = await fetch(this.url(path), {
      method: 'PUT',
      headers: { 'content-type': contentType },
      body: NodeReadable.toWeb(source) as unknown as ReadableStream,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    if (!response.ok)
      throw new Error(`sandbox storage refused ${path}: HTTP ${response.status} ${await response.text()}`);
    return { bytes: ((await response.json()) as { bytes: number }).bytes };
  }

  async signedUrl(path: string, expiresAt: Date): Promise<string> {
    return `${this.url(path)}?expires=${expiresAt.getTime()}`;
  }

  async delete(path: string): Promise<void> {
    const response = await fetch(this.url(path), { method: 'DELETE' });
    if (!response.ok) throw new Error(`sandbox storage could not delete ${path}: HTTP ${response.status}`);
  }

  async deletePrefix(prefix: string): Promise<number> {
    const response = await fetch(`${this.origin}/storage?prefix=${encodeURIComponent(prefix)}`, { method: 'DELETE' });
    if (!response.ok) throw new Error(`sandbox storage could not delete ${prefix}: HTTP ${response.status}`);
    return ((await response.json()) as { deleted: number }).deleted;
  }
}
