/**
 * Analytics documents (issue 19). All server-written; admins read them (firestore.rules); none carries message
 * content. Counters and incidents are kept indefinitely; markers and touches expire with the deliveries they follow.
 */
export const analyticsPaths = {
  /** What has been counted for one delivery (or in-app notification: `inApp_{uid}_{id}`). TTL: expiresAt. */
  mark: (key: string) => `analyticsMarks/${key}`,
  daily: () => 'analyticsDaily',
  dailyDoc: (id: string) => `analyticsDaily/${id}`,
  health: () => 'analyticsHealth',
  healthDoc: (id: string) => `analyticsHealth/${id}`,
  backlog: () => 'analyticsBacklog',
  backlogDoc: (shard: number) => `analyticsBacklog/${shard}`,
  /** SMS spend per day, summed over everyone (the per-user costs live under users/{uid}/deliveryCosts). */
  smsSpend: (day: string, shard: number) => `analyticsSmsSpend/${day}__${shard}`,
  smsSpendAll: () => 'analyticsSmsSpend',
  /** The user's latest notification interaction: what a conversion is attributed to. TTL: expiresAt. */
  touch: (uid: string) => `analyticsTouches/${uid}`,
  /** One per conversion event: a redelivered event attributes nothing twice. TTL: expiresAt. */
  conversion: (eventId: string) => `analyticsConversions/${eventId}`,
  experiments: () => 'experiments',
  experiment: (id: string) => `experiments/${id}`,
  /** The running experiment of a notification type (one at a time), read by the counters and the pipeline. */
  activeExperiment: (type: string) => `experimentsActive/${type}`,
  variantCounts: () => 'experimentCounts',
  variantDoc: (experimentId: string, variant: string, shard: number) =>
    `experimentCounts/${experimentId}__${variant}__${shard}`,
  /** A rolled-out winner's content for a type (title/body/channels), for the pipeline to apply. */
  contentOverride: (type: string) => `notificationOverrides/${type}`,
  alertState: (kind: string) => `analyticsAlerts/${kind}`,
  incident: (id: string) => `analyticsIncidents/${id}`,
  incidents: () => 'analyticsIncidents',
  /** `{ adminUids: [...] }`: who receives delivery alerts. */
  alertConfig: () => 'analyticsConfig/alerts',
} as const;
