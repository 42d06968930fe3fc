import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a sandbox provider received, as it came over the wire. */
export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: string;
}

/** How a sandbox provider answers. */
export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Answer this late (timeouts). */
  delayMs?: number;
}

/** A provider's API: a request in, the provider's answer out. */
export type Route = (req: Recorded) => Answer;

export async function readRecorded(req: IncomingMessage): Promise<Recorded> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    raw: Buffer.concat(chunks).toString('utf8'),
  };
}

export async function writeAnswer(res: ServerResponse, answer: Answer): Promise<void> {
  if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
  if (res.destroyed) return;
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
  res.end(answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
}

/** The request body as the provider reads it: JSON, or a form (Twilio) as a plain object. */
export function parsedBody(req: Recorded): unknown {
  if (!req.raw) return undefined;
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(req.raw));
  try {
    return JSON.parse(req.raw) as unknown;
  } catch {
    return req.raw;
  }
}

/**
 * A loopback HTTP server for one provider's API (unit tests run one per provider): records every request, answers
 * from `script` (scripted answers for the next requests: 429s, 500s, hangs) and otherwise from the provider's `route`.
 */
export class Loopback {
  readonly requests: Recorded[] = [];
  readonly script: Answer[] = [];
  private server: Server | undefined;

  constructor(private readonly route: Route) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded = await readRecorded(req);
    this.requests.push(recorded);
    await writeAnswer(res, this.script.shift() ?? this.route(recorded));
  }
}
