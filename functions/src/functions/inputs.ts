import { z } from 'zod';

/**
 * Inputs of the callables whose schema belongs to no use-case module. Like every schema, loaded on the function's
 * first call (`inputFrom(inputs, …)` in the wrappers), so defining the functions does not load zod.
 */

/** publishEvent: the envelope is validated by the pipeline, which records a rejection. */
export const anyInput = z.unknown();

export const noInput = z.object({}).strict();

export const deleteAccountInput = z
  .object({ confirm: z.literal(true, 'must be true: deleting an account cannot be undone') })
  .strict();
