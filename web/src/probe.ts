/**
 * Timings the browser tests read (window.__craft): when this client handed a message to the SDK, and when a message
 * from someone else first reached this client's listener. Both are Date.now() on the same machine, so the test can
 * pair one context's `sent` with another's `arrived`.
 */
export const probe = {
  sent: {} as Record<string, number>,
  arrived: {} as Record<string, number>,
  notificationsSeen: {} as Record<string, number>,
  /** Typing-indicator writes that failed (refused by the rules): logged at debug level, never shown. */
  typingRefused: 0,
};
(window as unknown as { __craft: typeof probe }).__craft = probe;
