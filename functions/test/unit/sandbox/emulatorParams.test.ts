import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { params } from '../../../src/config.js';

/**
 * The Functions emulator prompts for (and writes functions/.env.local with) every param no .env file defines. The
 * committed functions/.env.<demo project> defines them all, so `npm run emulators` and the emulator tier never prompt.
 */
describe('emulator params', () => {
  const projectId = JSON.parse(readFileSync(resolve(__dirname, '../../../../.firebaserc'), 'utf8')).projects
    .default as string;
  const file = readFileSync(resolve(__dirname, `../../../.env.${projectId}`), 'utf8');
  const defined = new Set(
    file
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => line.split('=')[0]),
  );

  it(`functions/.env.${projectId} defines every param in config.ts`, () => {
    expect(projectId).toMatch(/^demo-/);
    expect(Object.keys(params).filter((name) => !defined.has(name))).toEqual([]);
  });
});
