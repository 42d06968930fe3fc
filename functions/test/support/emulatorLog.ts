import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * What the deployed functions logged, for emulator-tier tests whose only observable outcome is a log line (a consumer
 * that drops what it cannot read and acknowledges it, with nothing written anywhere else).
 *
 * The Functions emulator relays each function's stdout (the firebase-functions logger's JSON lines) to the Firebase
 * CLI's logger, whose file transport writes `firebase-debug.log` in the CLI's working folder while the suite runs. The
 * CLI deletes that file when it exits, and parallel suites (EMULATOR_PORT_OFFSET) started from the same folder share
 * it, so one suite ending can unlink it under another. So the file is read through the descriptor the CLI holds open,
 * found by walking up from this test process (vitest runs under `firebase emulators:exec`): that reads this suite's
 * log even once it is unlinked. Linux only (/proc); undefined elsewhere, or when no ancestor holds such a file.
 */
export function cliDebugLog(): string | undefined {
  let pid = process.pid;
  for (let depth = 0; depth < 12 && pid > 1; depth++) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      return undefined;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (/\/firebase-debug(\.\d+)?\.log( \(deleted\))?$/.test(target)) return `/proc/${pid}/fd/${fd}`;
    }
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    pid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return undefined;
}

/**
 * The structured log entries (the JSON a function wrote through the firebase-functions logger) in the CLI's debug log
 * whose message is `message`, oldest first. An ERROR entry logged without an Error object carries the SDK's own stack
 * in `message` (`Error: <message>\n    at …`, src/adapters/functionsLogger.ts): its first line is compared. Throws
 * when the log cannot be found, so a test never passes by reading nothing.
 */
export function functionLogEntries(message: string): Array<Record<string, unknown>> {
  const file = cliDebugLog();
  if (!file)
    throw new Error(
      "the Firebase CLI's debug log was not found among this process's ancestors' open files (run under `firebase emulators:exec`, on Linux)",
    );
  const entries: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes(message)) continue;
    // The relayed line is `[info] >  {…the function's JSON…} {…the CLI's metadata…}`: the first object is the entry.
    const start = line.indexOf('{');
    if (start < 0) continue;
    const entry = firstJsonObject(line.slice(start));
    if (entry && headline(entry.message) === message) entries.push(entry);
  }
  return entries;
}

const headline = (text: unknown) =>
  String(text ?? '')
    .split('\n')[0]!
    .replace(/^Error: /, '');

/** The JSON object at the start of `text` (balanced braces, strings skipped), parsed; undefined if it is not one. */
function firstJsonObject(text: string): Record<string, unknown> | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      try {
        return JSON.parse(text.slice(0, i + 1)) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
