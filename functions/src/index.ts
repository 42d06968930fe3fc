/**
 * The deploy surface: every Cloud Function, re-exported from src/functions. Importing this module must initialise
 * nothing (no SDK client, no connection, no secret read); test/unit/deploySurface.test.ts holds it to that.
 */
import { featuresOf } from './functions/targets.js';
import { serveFeatures } from './functions/runtime.js';

export { searchIndexMessage, searchSyncMembers, searchMessages, getSearchKey } from './functions/search.js';
export {
  exportConversation,
  exportNotifications,
  exportMyData,
  renderPdfExport,
  getUserProfile,
  deleteMyAccount,
  onAuthUserDeleted,
  retentionDaily,
} from './functions/compliance.js';
export {
  createDirectConversation,
  createGroup,
  updateGroup,
  addMembers,
  removeMember,
  setRole,
  leaveGroup,
  transferOwnership,
  pinMessage,
  blockUser,
  unblockUser,
  markConversationRead,
  sendMessage,
  editMessage,
  deleteMessage,
  reportMessage,
  decideModeration,
  onMessageCreated,
  onMessageUpdated,
  onUserProfileUpdated,
} from './functions/messaging.js';
export {
  onNotificationEventCreated,
  publishEvent,
  notificationsDomainEvents,
  notificationsFanout,
  releaseNotificationDigests,
  getPreferences,
  updatePreferences,
  resetPreferences,
  listNotifications,
  getUnreadCount,
  markNotificationsRead,
  markAllNotificationsRead,
  archiveNotifications,
  unarchiveNotifications,
  searchNotifications,
  deleteNotifications,
} from './functions/notifications.js';
export {
  deliverPush,
  deliverSms,
  deliverEmail,
  sweepStuckDeliveries,
  registerDevice,
  unregisterDevice,
  startPhoneVerification,
  checkPhoneVerification,
} from './functions/delivery.js';
export { twilioStatus, twilioInbound, sendgridEvents, unsubscribe } from './functions/webhooks.js';
export { setAccountDisabled, syncAccountStates } from './functions/accounts.js';
export { refreshEmailStatus, onUserProfileWritten, setStaffRoles } from './functions/identity.js';
export {
  analyticsOnDeliveryWritten,
  analyticsOnInAppWritten,
  analyticsOnEventCreated,
  evaluateDeliveryAlerts,
  trackNotificationInteraction,
  getDeliveryHealth,
  getAnalyticsSummary,
  setAlertRecipients,
  defineExperiment,
  stopExperiment,
  getExperimentResults,
} from './functions/analytics.js';
export { follow, unfollow } from './functions/social.js';
export { orderStatusOnEventWritten } from './functions/orders.js';
export {
  scheduleNotification,
  cancelScheduledNotification,
  rescheduleNotification,
  remindersOnEventWritten,
  releaseScheduledNotifications,
} from './functions/scheduling.js';
export { sendAnnouncement, cancelAnnouncement } from './functions/announcements.js';
export {
  activityOnFollowingWritten,
  activityOnEventWritten,
  activityOnMessageCreated,
  activityOnModerationWritten,
} from './functions/activity.js';

/**
 * A deployed instance runs one function (FUNCTION_TARGET): its first invocation loads only the features that function's
 * wrapper module uses (src/functions/targets.ts). Without a target (discovery, tests, npm start) every feature loads.
 */
const served = featuresOf(process.env.FUNCTION_TARGET || process.env.K_SERVICE);
if (served) serveFeatures(served);
