import type { CheckDefinition } from '../../core/types.js';

/** The postal checks, in report order. */
export const postalChecks: CheckDefinition[] = [];
