import type { CheckDefinition } from '../../core/types.js';

/** The tls checks, in report order. */
export const tlsChecks: CheckDefinition[] = [];
