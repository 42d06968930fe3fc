/**
 * When the delivery sweeper (src/app/delivery/deliverySweeper.ts) treats a delivery as stuck. Pub/Sub redelivers a
 * job whose handler threw or died, with the subscription's backoff (10 s doubling to 600 s), and every claim or
 * release rewrites `updatedAt`; so a delivery that has not moved for longer than the claim lease plus the longest
 * backoff has lost its message (the instance died and the redelivery never came, or retries ran out), and only the
 * sweeper can finish it.
 */

/** A `sending` delivery untouched this long: its lease (2 min) and the longest Pub/Sub backoff (10 min) have passed. */
export const SENDING_STUCK_AFTER_MS = 15 * 60_000;

/** A `queued` delivery nobody ever claimed: the job never arrived (published and lost, or the publish failed). */
export const QUEUED_STUCK_AFTER_MS = 60 * 60_000;

/** A failed delivery whose fallback job was not published (the handler died between the two writes). */
export const FALLBACK_PENDING_AFTER_MS = 5 * 60_000;

/** Republished this many times and still stuck: the job ends `failed` (and a critical one falls back). */
export const MAX_SWEEPS = 3;

/** Deliveries read per query per run (every 5 minutes). */
export const SWEEP_BATCH = 200;
