import type { CheckDefinition } from '../../core/types.js';

/** The network checks, in report order. */
export const networkChecks: CheckDefinition[] = [];
