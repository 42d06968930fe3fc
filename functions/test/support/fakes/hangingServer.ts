import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HungRequest {
  path: string;
  receivedAt: number;
  /** When the client gave up and closed the connection (undefined: still waiting on us). */
  closedAt?: number;
}

/**
 * A provider that accepts every request and never answers (a hung Twilio or SendGrid), recording when each client
 * hung up: proof that a timed-out call was aborted at the socket, not left running behind the caller's back.
 */
export class HangingServer {
  readonly requests: HungRequest[] = [];
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req) => {
      const hung: HungRequest = { path: req.url ?? '/', receivedAt: Date.now() };
      this.requests.push(hung);
      req.resume();
      req.socket.once('close', () => (hung.closedAt = Date.now()));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
