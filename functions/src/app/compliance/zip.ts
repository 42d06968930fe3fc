import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createDeflateRaw } from 'node:zlib';

/**
 * A streaming ZIP writer whose entries compress in parallel.
 *
 * The archive is written entry after entry, as a ZIP must be, but the next few entries are already being read from
 * the store and deflated while the current one is written out: each runs its own zlib stream (zlib works on libuv's
 * thread pool, so several deflate at once, beside the JavaScript that encodes the records). What a started entry
 * produces before its turn waits in a bounded buffer; when that is full its reading pauses (stream backpressure), so
 * memory stays bounded whatever the export's size. Small writes are gathered into 64 KB blocks first: every write
 * to a zlib stream is a round trip to the thread pool, and a JSON file written record by record made 100,000 of
 * them (archiver, before this, spent most of the GDPR export waiting on them).
 *
 * The format is the plain one every unzip tool reads (APPNOTE 6.3): deflate, sizes and CRC after the data (general
 * purpose bit 3), UTF-8 names (bit 11), and ZIP64 records for offsets past 4 GiB. An entry over 4 GiB fails the
 * export (the local header promised 32-bit sizes).
 */

export interface ZipEntry {
  name: string;
  /** Called when the writer starts this entry (up to `lookahead` entries early), so its records are read only then. */
  content: () => Promise<Readable> | Readable;
}

export interface ZipOptions {
  /** Entries read and compressed ahead of the one being written (besides it). */
  lookahead?: number;
  /** Compressed bytes an entry may hold before its turn, before its reading pauses. */
  aheadBytes?: number;
  level?: number;
  /** The entries' modification time. */
  modified?: Date;
}

const BLOCK = 64 * 1024;
const MAX32 = 0xffffffff;

interface Compressing {
  /** The entry's compressed bytes, in order. */
  output: PassThrough;
  /** CRC-32 and sizes, once the entry's content has ended and its deflate flushed. */
  done: Promise<{ crc: number; size: number; compressedSize: number }>;
  stop: (error?: Error) => void;
}

export function zipStream(entries: readonly ZipEntry[], options: ZipOptions = {}): Readable {
  const lookahead = options.lookahead ?? 3;
  const aheadBytes = options.aheadBytes ?? 8 * 1024 * 1024;
  const level = options.level ?? 6;
  const modified = dosDateTime(options.modified ?? new Date());

  function compress(entry: ZipEntry): Compressing {
    let crc = 0;
    let size = 0;
    let compressedSize = 0;
    const output = new PassThrough({ highWaterMark: aheadBytes });
    // An entry ahead of its turn has no reader yet: its error is kept in the stream (the reader gets it then), not thrown.
    output.on('error', () => {});
    const deflate = createDeflateRaw({ level, chunkSize: BLOCK });
    const gather = gatherBlocks((block) => {
      crc = crc32(block, crc);
      size += block.length;
    });
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        compressedSize += chunk.length;
        next(null, chunk);
      },
    });
    let source: Readable | undefined;
    let stopped = false;
    const done = (async () => {
      source = await entry.content();
      if (stopped) {
        source.destroy();
        throw new Error('stopped');
      }
      await pipeline(source, gather, deflate, counter, output);
      if (size > MAX32 || compressedSize > MAX32) throw new Error(`export file ${entry.name} is over 4 GiB`);
      return { crc, size, compressedSize };
    })();
    // The writer reads `output`: a failure anywhere (even opening the content) ends it with the error. Until the
    // entry's turn the failure waits there, not reported as unhandled.
    done.catch((error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))));
    const stop = (error?: Error) => {
      stopped = true;
      source?.destroy(error);
      output.destroy(error);
    };
    return { output, done, stop };
  }

  async function* archive(): AsyncGenerator<Buffer> {
    const started: Compressing[] = [];
    const central: Buffer[] = [];
    let offset = 0;
    try {
      for (const [i, entry] of entries.entries()) {
        while (started.length < Math.min(entries.length, i + 1 + lookahead))
          started.push(compress(entries[started.length]!));
        const current = started[i]!;
        const name = Buffer.from(entry.name, 'utf8');
        const headerOffset = offset;
        const header = localHeader(name, modified);
        offset += header.length;
        yield header;
        // Ends with the entry's pipeline, or throws its error.
        for await (const chunk of current.output as AsyncIterable<Buffer>) {
          offset += chunk.length;
          yield chunk;
        }
        const { crc, size, compressedSize } = await current.done;
        const descriptor = dataDescriptor(crc, size, compressedSize);
        offset += descriptor.length;
        yield descriptor;
        central.push(centralHeader(name, modified, crc, size, compressedSize, headerOffset));
      }
      const directory = Buffer.concat(central);
      yield directory;
      yield endOfArchive(entries.length, directory.length, offset);
    } finally {
      // The consumer stopped early or an entry failed: nothing started may keep reading.
      for (const entry of started) entry.stop();
    }
  }
  return Readable.from(archive(), { objectMode: false });
}

/**
 * Gathers writes (strings or buffers, as the encoders make them) into blocks of at least 64 KB, calling `seen` on
 * each block as it passes: one zlib write per block instead of one per record.
 */
function gatherBlocks(seen: (block: Buffer) => void): Transform {
  let parts: Array<string | Buffer> = [];
  let length = 0;
  const flush = (stream: Transform) => {
    if (parts.length === 0) return;
    const block = parts.every((p) => typeof p === 'string')
      ? Buffer.from(parts.join(''), 'utf8')
      : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
    parts = [];
    length = 0;
    seen(block);
    stream.push(block);
  };
  return new Transform({
    writableObjectMode: true,
    transform(chunk: string | Buffer | Uint8Array, _encoding, next) {
      const part = typeof chunk === 'string' || Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      parts.push(part);
      length += part.length;
      if (length >= BLOCK) flush(this);
      next();
    },
    final(next) {
      flush(this);
      next();
    },
  });
}

// ── records (APPNOTE.TXT 4.3) ──

const VERSION = 45; // 4.5: ZIP64
const FLAGS = 0x0008 | 0x0800; // sizes in the data descriptor; UTF-8 names
const DEFLATED = 8;

function localHeader(name: Buffer, [time, date]: [number, number]): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4);
  b.writeUInt16LE(FLAGS, 6);
  b.writeUInt16LE(DEFLATED, 8);
  b.writeUInt16LE(time, 10);
  b.writeUInt16LE(date, 12);
  // CRC and sizes (14-25) are zero: they follow the data.
  b.writeUInt16LE(name.length, 26);
  b.writeUInt16LE(0, 28);
  return Buffer.concat([b, name]);
}

function dataDescriptor(crc: number, size: number, compressedSize: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(crc >>> 0, 4);
  b.writeUInt32LE(compressedSize, 8);
  b.writeUInt32LE(size, 12);
  return b;
}

function centralHeader(
  name: Buffer,
  [time, date]: [number, number],
  crc: number,
  size: number,
  compressedSize: number,
  offset: number,
): Buffer {
  const zip64 = offset >= MAX32;
  const extra = Buffer.alloc(zip64 ? 12 : 0);
  if (zip64) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(8, 2);
    extra.writeBigUInt64LE(BigInt(offset), 4);
  }
  const b = Buffer.alloc(46);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE((3 << 8) | VERSION, 4); // made by: Unix
  b.writeUInt16LE(zip64 ? VERSION : 20, 6);
  b.writeUInt16LE(FLAGS, 8);
  b.writeUInt16LE(DEFLATED, 10);
  b.writeUInt16LE(time, 12);
  b.writeUInt16LE(date, 14);
  b.writeUInt32LE(crc >>> 0, 16);
  b.writeUInt32LE(compressedSize, 20);
  b.writeUInt32LE(size, 24);
  b.writeUInt16LE(name.length, 28);
  b.writeUInt16LE(extra.length, 30);
  // comment length, disk number, internal attributes: 0
  b.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
  b.writeUInt32LE(zip64 ? MAX32 : offset, 42);
  return Buffer.concat([b, name, extra]);
}

function endOfArchive(count: number, directorySize: number, directoryOffset: number): Buffer {
  const records: Buffer[] = [];
  const zip64 = directoryOffset >= MAX32 || directorySize >= MAX32 || count >= 0xffff;
  if (zip64) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE((3 << 8) | VERSION, 12);
    end64.writeUInt16LE(VERSION, 14);
    // disk numbers (16, 20): 0
    end64.writeBigUInt64LE(BigInt(count), 24);
    end64.writeBigUInt64LE(BigInt(count), 32);
    end64.writeBigUInt64LE(BigInt(directorySize), 40);
    end64.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
    locator.writeUInt32LE(1, 16);
    records.push(end64, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(Math.min(directorySize, MAX32), 12);
  end.writeUInt32LE(Math.min(directoryOffset, MAX32), 16);
  records.push(end);
  return Buffer.concat(records);
}

/** MS-DOS time and date (local fields, 2-second resolution), as ZIP headers carry them; UTC here. */
function dosDateTime(at: Date): [number, number] {
  const time = (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2);
  const date = (Math.max(0, at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
  return [time, date];
}
