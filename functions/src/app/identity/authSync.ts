/**
 * The actor of what the server copies from Firebase Auth on its own (reconciliation's account states, the profile's
 * email status): an operator acted in the console or through the Admin SDK, or Auth verified an address.
 */
export const AUTH_SYNC = 'system:auth-sync';
