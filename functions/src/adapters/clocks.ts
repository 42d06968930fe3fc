import type { Clock } from '../ports.js';

export const systemClock: Clock = { now: () => new Date() };

/** A clock the tests and the local scenario move by hand (quiet hours, digests, edit windows, expiry). */
export class ManualClock implements Clock {
  private current: Date;
  constructor(start: Date | string = '2026-11-21T12:00:00Z') {
    this.current = new Date(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  set(to: Date | string): void {
    this.current = new Date(to);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
