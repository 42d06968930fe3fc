/** Where the functions run. Kept as a constant: region must be known at deploy time, before params resolve. */
export const REGION = 'europe-west1';
