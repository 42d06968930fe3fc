import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server that speaks the part of Algolia's REST API the message index uses (batch writes, settings, single
 * index query), so the real algoliasearch v5 client is exercised over HTTP. It checks the application id and API key
 * on every request, accepts secured API keys derived from the search key (HMAC-SHA256 checked, restrictions and
 * expiry enforced), and evaluates the filter syntax the app produces. `failWith(status)` makes every request fail.
 */
export interface FakeRequest {
  method: string;
  path: string;
  apiKey: string;
  body: unknown;
}

type Rec = Record<string, unknown> & { objectID: string };

export class FakeAlgolia {
  readonly appId = 'FAKEAPPID';
  readonly adminKey = 'admin-key-123';
  readonly searchKey = 'search-key-456';
  readonly indices = new Map<string, Map<string, Rec>>();
  readonly settings = new Map<string, Record<string, unknown>>();
  readonly requests: FakeRequest[] = [];
  failing: number | undefined;
  private server: Server | undefined;
  private taskId = 1;
  /** The clock secured keys' validUntil is checked against (seconds). */
  nowSeconds = () => Math.floor(Date.now() / 1000);

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get hosts() {
    return [{ url: `127.0.0.1:${this.port}`, protocol: 'http' as const, accept: 'readWrite' as const }];
  }

  index(name: string): Map<string, Rec> {
    let index = this.indices.get(name);
    if (!index) this.indices.set(name, (index = new Map()));
    return index;
  }

  failWith(status: number | undefined): void {
    this.failing = status;
  }

  /** Every string in every record, for "no trace of this person" checks. */
  allText(): string {
    return JSON.stringify([...this.indices.values()].map((index) => [...index.values()]));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body: unknown = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const apiKey = String(req.headers['x-algolia-api-key'] ?? url.searchParams.get('x-algolia-api-key') ?? '');
    const appId = String(req.headers['x-algolia-application-id'] ?? url.searchParams.get('x-algolia-application-id') ?? '');
    this.requests.push({ method: req.method ?? '', path: url.pathname, apiKey, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (this.failing) return send(this.failing, { message: 'fake outage', status: this.failing });
    if (appId !== this.appId) return send(403, { message: 'Invalid Application-ID or API key', status: 403 });
    const key = this.authorize(apiKey);
    if ('error' in key) return send(403, { message: key.error, status: 403 });

    const match = /^\/1\/indexes\/([^/]+)\/(batch|settings|query)$/.exec(url.pathname);
    if (!match) return send(404, { message: `not implemented in fake: ${req.method} ${url.pathname}`, status: 404 });
    const indexName = decodeURIComponent(match[1]!);
    const op = match[2]!;
    if (key.restrictIndices && !key.restrictIndices.includes(indexName)) return send(403, { message: 'Index not allowed with this API key', status: 403 });
    if (op !== 'query' && !key.admin) return send(403, { message: 'Method not allowed with this API key', status: 403 });

    if (op === 'batch' && req.method === 'POST') {
      const index = this.index(indexName);
      const requests = (body as { requests: Array<{ action: string; body: Rec }> }).requests;
      for (const { action, body: record } of requests) {
        if (action === 'addObject' || action === 'updateObject') index.set(record.objectID, structuredClone(record));
        else if (action === 'deleteObject') index.delete(record.objectID);
        else if (action === 'partialUpdateObjectNoCreate') {
          const existing = index.get(record.objectID);
          if (existing) index.set(record.objectID, { ...existing, ...structuredClone(record) });
        } else if (action === 'partialUpdateObject') index.set(record.objectID, { ...index.get(record.objectID), ...structuredClone(record) });
        else return send(400, { message: `unsupported action ${action}`, status: 400 });
      }
      return send(200, { taskID: this.taskId++, objectIDs: requests.map((r) => r.body.objectID) });
    }
    if (op === 'settings' && req.method === 'PUT') {
      this.settings.set(indexName, { ...this.settings.get(indexName), ...(body as Record<string, unknown>) });
      return send(200, { taskID: this.taskId++, updatedAt: new Date().toISOString() });
    }
    if (op === 'query' && req.method === 'POST') {
      const params = (body ?? {}) as { query?: string; filters?: string; page?: number; hitsPerPage?: number };
      const filters = [params.filters, key.filters].filter((f): f is string => Boolean(f));
      const predicates = filters.map(parseFilters);
      const words = (params.query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const hits = [...this.index(indexName).values()]
        .filter((rec) => predicates.every((p) => p(rec)))
        .filter((rec) => {
          const text = [rec.text, rec.senderName, ...((rec.attachmentNames as string[] | undefined) ?? [])].join(' ').toLowerCase();
          return words.every((w) => text.includes(w));
        })
        .sort((a, b) => Number(b.createdAt) - Number(a.createdAt));
      const page = params.page ?? 0;
      const hitsPerPage = params.hitsPerPage ?? 20;
      return send(200, {
        hits: hits.slice(page * hitsPerPage, (page + 1) * hitsPerPage).map((h) => ({ ...h, _highlightResult: {} })),
        nbHits: hits.length,
        page,
        nbPages: Math.ceil(hits.length / hitsPerPage),
        hitsPerPage,
        processingTimeMS: 1,
        exhaustiveNbHits: true,
        query: params.query ?? '',
        params: '',
      });
    }
    return send(405, { message: `method not allowed: ${req.method} ${url.pathname}`, status: 405 });
  }

  /** The admin key, the search key, or a secured key derived from the search key. */
  private authorize(apiKey: string): { admin: boolean; filters?: string; restrictIndices?: string[] } | { error: string } {
    if (apiKey === this.adminKey) return { admin: true };
    if (apiKey === this.searchKey) return { admin: false };
    const decoded = decodeSecuredKey(apiKey);
    if (!decoded) return { error: 'Invalid Application-ID or API key' };
    const expected = createHmac('sha256', this.searchKey).update(decoded.queryString).digest('hex');
    if (expected.length !== decoded.hmac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(decoded.hmac))) {
      return { error: 'Invalid Application-ID or API key' };
    }
    const validUntil = decoded.params.get('validUntil');
    if (validUntil && Number(validUntil) < this.nowSeconds()) return { error: 'The validity of the secured API key has expired' };
    const restrictIndices = decoded.params.get('restrictIndices')?.split(',');
    return { admin: false, filters: decoded.params.get('filters') ?? undefined, ...(restrictIndices ? { restrictIndices } : {}) };
  }
}

/** A secured API key is base64(hex HMAC-SHA256 of the query string, then the query string). */
export function decodeSecuredKey(key: string): { hmac: string; queryString: string; params: URLSearchParams } | undefined {
  const text = Buffer.from(key, 'base64').toString('utf8');
  if (!/^[0-9a-f]{64}/.test(text)) return undefined;
  const queryString = text.slice(64);
  return { hmac: text.slice(0, 64), queryString, params: new URLSearchParams(queryString) };
}

// ── the subset of Algolia's filter syntax the app generates: a AND b AND (c OR d), attr:value, attr >= n ──

type Predicate = (rec: Record<string, unknown>) => boolean;

function tokenize(input: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(\(|\)|>=|<=|=|>|<|:|"(?:[^"\\]|\\.)*"|[^\s():<>=]+)/gy;
  let pos = 0;
  while (input.slice(pos).trim() !== '') {
    re.lastIndex = pos;
    const m = re.exec(input);
    if (!m) throw new Error(`bad filter at ${pos}: ${input}`);
    tokens.push(m[1]!);
    pos = re.lastIndex;
  }
  return tokens;
}

export function parseFilters(input: string): Predicate {
  const tokens = tokenize(input);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const value = (tok: string) => (tok.startsWith('"') ? JSON.parse(tok) as string : tok);
  const atom = (): Predicate => {
    if (peek() === '(') {
      next();
      const inner = disjunction();
      if (next() !== ')') throw new Error(`bad filter: ${input}`);
      return inner;
    }
    const attr = next()!;
    const op = next()!;
    const raw = value(next()!);
    if (op === ':') {
      return (rec) => {
        const field = rec[attr];
        return Array.isArray(field) ? field.map(String).includes(raw) : String(field) === raw;
      };
    }
    const n = Number(raw);
    const cmp: Record<string, (a: number) => boolean> = { '>=': (a) => a >= n, '<=': (a) => a <= n, '>': (a) => a > n, '<': (a) => a < n, '=': (a) => a === n };
    const test = cmp[op];
    if (!test) throw new Error(`bad filter operator ${op} in ${input}`);
    return (rec) => test(Number(rec[attr]));
  };
  const disjunction = (): Predicate => {
    const parts = [conjunction()];
    while (peek() === 'OR') {
      next();
      parts.push(conjunction());
    }
    return (rec) => parts.some((p) => p(rec));
  };
  const conjunction = (): Predicate => {
    const parts = [atom()];
    while (peek() === 'AND') {
      next();
      parts.push(atom());
    }
    return (rec) => parts.every((p) => p(rec));
  };
  const result = disjunction();
  if (i !== tokens.length) throw new Error(`bad filter: ${input}`);
  return result;
}
