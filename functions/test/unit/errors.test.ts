import { describe, expect, it } from 'vitest';
import { errorText } from '../../src/domain/errors.js';

describe('errorText', () => {
  it("gives an Error's message, or its stack when asked", () => {
    const error = new TypeError('boom');
    expect(errorText(error)).toBe('boom');
    expect(errorText(error, { stack: true })).toBe(error.stack);
    expect(errorText(error, { stack: true })).toMatch(/^TypeError: boom\n\s+at /);
  });

  it('falls back to the message when an Error has no stack', () => {
    const error = new Error('no trace');
    error.stack = undefined;
    expect(errorText(error, { stack: true })).toBe('no trace');
  });

  it('gives the message of an error-like object (an SDK rejecting with a plain object)', () => {
    expect(errorText({ status: 400, code: 21211, message: "The 'To' number is not valid" })).toBe(
      "The 'To' number is not valid",
    );
    expect(errorText({ code: 'messaging/internal-error', message: 42 })).toBe('[object Object]');
  });

  it('writes anything else thrown as String(value)', () => {
    expect(errorText('plain string')).toBe('plain string');
    expect(errorText(42)).toBe('42');
    expect(errorText(undefined, { stack: true })).toBe('undefined');
    expect(errorText({ code: 7 })).toBe('[object Object]');
  });
});
