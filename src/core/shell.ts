/** Quotes one value for a POSIX shell so that it is always a single inert word. */
export function shellQuote(value: string | number): string {
  const text = String(value);
  if (text !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Builds a command line from a template: every interpolated value is shell-quoted,
 * so a value from the config, the database or DNS can never become shell syntax.
 * Arrays are quoted element by element and joined with spaces.
 */
export function sh(strings: TemplateStringsArray, ...values: Array<string | number | Array<string | number>>): string {
  return strings.reduce((line, part, index) => {
    if (index === 0) return part;
    const value = values[index - 1];
    const quoted = Array.isArray(value) ? value.map(shellQuote).join(' ') : shellQuote(value);
    return line + quoted + part;
  }, '');
}
