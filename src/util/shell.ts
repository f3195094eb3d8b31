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

/**
 * One shell comment line. Line breaks and other control characters in the text become visible escapes
 * (`\n`, `\x1b`), so a value inside a comment can never end it and start a command.
 */
export function shellComment(text: string): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return ' ';
    const code = char.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
  return escaped.startsWith('#') ? escaped : `# ${escaped}`;
}
