import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Answer, Recorded } from './http.js';
import { Loopback } from './http.js';

/**
 * The part of Algolia's REST API the message index uses (batch writes, settings, single index query), so the real
 * algoliasearch v5 client is exercised over HTTP. It checks the application id and API key on every request, accepts
 * secured API keys derived from the search key (HMAC-SHA256 checked, restrictions and expiry enforced), and evaluates
 * the filter syntax the app produces. `failWith(status)` makes every request fail. Unit tests `start()` it on its own
 * loopback port; the sandbox-providers process mounts `handle` beside the other providers.
 */
export interface AlgoliaRequest {
  method: string;
  path: string;
  apiKey: string;
  body: unknown;
}

type Rec = Record<string, unknown> & { objectID: string };

export interface AlgoliaKeys {
  appId: string;
  adminKey: string;
  searchKey: string;
}

export class AlgoliaSandbox {
  readonly appId: string;
  readonly adminKey: string;
  readonly searchKey: string;
  readonly indices = new Map<string, Map<string, Rec>>();
  readonly settings = new Map<string, Record<string, unknown>>();
  readonly requests: AlgoliaRequest[] = [];
  failing: number | undefined;
  private server: Loopback | undefined;
  private taskId = 1;
  /** The clock secured keys' validUntil is checked against (seconds). */
  nowSeconds = () => Math.floor(Date.now() / 1000);

  constructor(keys: AlgoliaKeys = { appId: 'FAKEAPPID', adminKey: 'admin-key-123', searchKey: 'search-key-456' }) {
    this.appId = keys.appId;
    this.adminKey = keys.adminKey;
    this.searchKey = keys.searchKey;
  }

  /** Listens on its own loopback port (unit tests). */
  async start(): Promise<this> {
    this.server = await new Loopback((req) => this.handle(req)).start();
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  get port(): number {
    return this.server!.port;
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

  handle(req: Recorded): Answer {
    let body: unknown;
    try {
      body = req.raw ? JSON.parse(req.raw) : undefined;
    } catch {
      return { status: 400, body: { message: 'Invalid JSON', status: 400 } };
    }
    const header = (name: string) => req.headers[name] ?? req.query.get(name) ?? '';
    const apiKey = String(header('x-algolia-api-key'));
    const appId = String(header('x-algolia-application-id'));
    this.requests.push({ method: req.method, path: req.path, apiKey, body });
    const send = (status: number, payload: unknown): Answer => ({ status, body: payload });
    if (this.failing) return send(this.failing, { message: 'sandbox outage', status: this.failing });
    if (appId !== this.appId) return send(403, { message: 'Invalid Application-ID or API key', status: 403 });
    const key = this.authorize(apiKey);
    if ('error' in key) return send(403, { message: key.error, status: 403 });

    const match = /^\/1\/indexes\/([^/]+)\/(batch|settings|query)$/.exec(req.path);
    if (!match) return send(404, { message: `not implemented in the sandbox: ${req.method} ${req.path}`, status: 404 });
    const indexName = decodeURIComponent(match[1]!);
    const op = match[2]!;
    if (key.restrictIndices && !key.restrictIndices.includes(indexName))
      return send(403, { message: 'Index not allowed with this API key', status: 403 });
    if (op !== 'query' && !key.admin)
      return send(403, { message: 'Method not allowed with this API key', status: 403 });

    if (op === 'batch' && req.method === 'POST') {
      const index = this.index(indexName);
      const requests = (body as { requests: Array<{ action: string; body: Rec }> }).requests;
      for (const { action, body: record } of requests) {
        if (action === 'addObject' || action === 'updateObject') index.set(record.objectID, structuredClone(record));
        else if (action === 'deleteObject') index.delete(record.objectID);
        else if (action === 'partialUpdateObjectNoCreate') {
          const existing = index.get(record.objectID);
          if (existing) index.set(record.objectID, { ...existing, ...structuredClone(record) });
        } else if (action === 'partialUpdateObject')
          index.set(record.objectID, { ...index.get(record.objectID), ...structuredClone(record) });
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
      let predicates: Predicate[];
      try {
        predicates = filters.map(parseFilters);
      } catch (error) {
        return send(400, { message: `invalid filters: ${(error as Error).message}`, status: 400 });
      }
      const words = (params.query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      const hits = [...this.index(indexName).values()]
        .filter((rec) => predicates.every((p) => p(rec)))
        .filter((rec) => {
          const text = [rec.text, rec.senderName, ...((rec.attachmentNames as string[] | undefined) ?? [])]
            .join(' ')
            .toLowerCase();
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
    return send(405, { message: `method not allowed: ${req.method} ${req.path}`, status: 405 });
  }

  /** The admin key, the search key, or a secured key derived from the search key. */
  private authorize(
    apiKey: string,
  ): { admin: boolean; filters?: string; restrictIndices?: string[] } | { error: string } {
    if (apiKey === this.adminKey) return { admin: true };
    if (apiKey === this.searchKey) return { admin: false };
    const decoded = decodeSecuredKey(apiKey);
    if (!decoded) return { error: 'Invalid Application-ID or API key' };
    const expected = createHmac('sha256', this.searchKey).update(decoded.queryString).digest('hex');
    if (expected.length !== decoded.hmac.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(decoded.hmac))) {
      return { error: 'Invalid Application-ID or API key' };
    }
    const validUntil = decoded.params.get('validUntil');
    if (validUntil && Number(validUntil) < this.nowSeconds())
      return { error: 'The validity of the secured API key has expired' };
    const restrictIndices = decoded.params.get('restrictIndices')?.split(',');
    return {
      admin: false,
      filters: decoded.params.get('filters') ?? undefined,
      ...(restrictIndices ? { restrictIndices } : {}),
    };
  }
}

/** Algolia's API paths. */
export const isAlgoliaPath = (path: string) => path.startsWith('/1/');

/** A secured API key is base64(hex HMAC-SHA256 of the query string, then the query string). */
export function decodeSecuredKey(
  key: string,
): { hmac: string; queryString: string; params: URLSearchParams } | undefined {
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
  const value = (tok: string) => (tok.startsWith('"') ? (JSON.parse(tok) as string) : tok);
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
    const cmp: Record<string, (a: number) => boolean> = {
      '>=': (a) => a >= n,
      '<=': (a) => a <= n,
      '>': (a) => a > n,
      '<': (a) => a < n,
      '=': (a) => a === n,
    };
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
