import type { CheckDefinition } from '../../core/types.js';

/** The dns checks, in report order. */
export const dnsChecks: CheckDefinition[] = [];
