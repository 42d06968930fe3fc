/** The analytics callables' schemas (zod), loaded by each function's first call (`inputFrom` in the wrappers). */
export { trackInteractionSchema } from './interactions.js';
export { alertRecipientsSchema, analyticsRangeSchema, analyticsSummarySchema } from './dashboard.js';
export {
  defineExperimentSchema,
  experimentResultsSchema,
  stopExperimentSchema,
} from '../../domain/analytics/experiments.js';
