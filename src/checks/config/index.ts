import type { CheckDefinition } from '../../core/types.js';

/** The config checks, in report order. */
export const configChecks: CheckDefinition[] = [];
