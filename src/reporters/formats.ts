/** The report formats, apart from the reporters themselves: the CLI's option table needs the names, not the code. */
export const FORMATS = ['human', 'json', 'markdown', 'junit', 'nagios', 'prometheus'] as const;
export type Format = (typeof FORMATS)[number];
