import type { CheckDefinition } from '../../core/types.js';
import { smtpHostnameCheck } from './smtp-hostname.js';
import { webHostnameCheck } from './web-hostname.js';
import { mxRecordsCheck } from './mx-records.js';
import { ptrCheck } from './ptr.js';
import { fcrdnsCheck } from './fcrdns.js';
import { heloCheck } from './helo.js';
import { spfCheck } from './spf.js';
import { returnPathCheck } from './return-path.js';
import { routeDomainCheck } from './route-domain.js';
import { trackDomainCheck } from './track-domain.js';
import { dnsblCheck } from './dnsbl.js';

/** The dns checks, in report order. */
export const dnsChecks: CheckDefinition[] = [
  smtpHostnameCheck,
  webHostnameCheck,
  mxRecordsCheck,
  ptrCheck,
  fcrdnsCheck,
  heloCheck,
  spfCheck,
  returnPathCheck,
  routeDomainCheck,
  trackDomainCheck,
  dnsblCheck,
];
