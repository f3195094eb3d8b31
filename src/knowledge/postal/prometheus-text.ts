/**
 * The Prometheus text exposition format (version 0.0.4), as Postal's health servers serve it through
 * prometheus-client 4.2.2 (`Prometheus::Client::Formats::Text.marshal`, app/util/health_server.rb:40-43 at 3.3.6):
 * `# TYPE` and `# HELP` lines, then one `name{label="value",…} value` line per sample, values printed by Ruby
 * (`3.0`, `1.0e-05`, `+Inf` as a bucket bound). Only what the format defines is accepted: a page that is not
 * Prometheus text is reported with the first line that is not.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name: `postal_message_queue_latency_bucket`, `_sum`, `_count` for a histogram. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** `# TYPE` lines: family name → type. */
  types: Map<string, MetricType>;
  samples: Sample[];
}

export type ExpositionParse = { ok: true; exposition: Exposition } | { ok: false; line: number; reason: string };

const TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A sample value: a float as Go or Ruby print it, or ±Inf / NaN. */
function parseValue(text: string): number | null {
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return FLOAT.test(text) ? Number(text) : null;
}

/** `{a="x",b="y\"z"}` from the start of `text`: the labels and what follows, or why not. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } | string {
  const labels: Record<string, string> = {};
  let at = 1;
  for (;;) {
    while (text[at] === ' ' || text[at] === '\t') at++;
    if (text[at] === '}') return { labels, rest: text.slice(at + 1) };
    if (text[at] === undefined) return 'the label set is not closed';
    const name = LABEL_NAME.exec(text.slice(at))?.[0];
    if (!name) return `a label name was expected at column ${at + 1}`;
    at += name.length;
    while (text[at] === ' ' || text[at] === '\t') at++;
    if (text[at] !== '=' || text[at + 1] !== '"') return `label ${name} has no quoted value`;
    at += 2;
    let value = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) return `the value of label ${name} is not closed`;
      at++;
      if (char === '"') break;
      if (char === '\\') {
        const next = text[at++];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else return `label ${name} has an unknown escape \\${next ?? ''}`;
      } else value += char;
    }
    if (Object.hasOwn(labels, name)) return `label ${name} is given twice`;
    labels[name] = value;
    while (text[at] === ' ' || text[at] === '\t') at++;
    if (text[at] === ',') at++;
    else if (text[at] === undefined) return 'the label set is not closed';
    else if (text[at] !== '}') return `"," or "}" was expected after label ${name}`;
  }
}

function parseSample(line: string): Sample | string {
  const name = NAME.exec(line)?.[0];
  if (!name) return 'not a metric name, comment or blank line';
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (typeof parsed === 'string') return parsed;
    ({ labels, rest } = parsed);
  }
  const fields = rest.trim().split(/[ \t]+/);
  if (!/^[ \t]/.test(rest) || fields.length < 1 || fields.length > 2 || fields[0] === '') return `${name} has no value`;
  const value = parseValue(fields[0]);
  if (value === null) return `${name} has the value "${fields[0]}", which is not a number`;
  if (fields.length === 2 && !/^-?\d+$/.test(fields[1])) return `${name} has the timestamp "${fields[1]}", which is not an integer`;
  return { name, labels, value };
}

/** Parses a whole page; the first line that is not Prometheus text makes it unreadable. */
export function parsePrometheusText(text: string): ExpositionParse {
  const types = new Map<string, MetricType>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^#[ \t]+TYPE[ \t]+(\S+)[ \t]+(\S+)[ \t]*$/.exec(line);
      if (type) {
        if (!NAME.test(type[1]) || NAME.exec(type[1])![0] !== type[1]) return { ok: false, line: index + 1, reason: `"${type[1]}" is not a metric name` };
        if (!TYPES.has(type[2] as MetricType)) return { ok: false, line: index + 1, reason: `"${type[2]}" is not a metric type` };
        types.set(type[1], type[2] as MetricType);
      }
      // `# HELP` lines and other comments carry nothing to judge.
      continue;
    }
    const sample = parseSample(line);
    if (typeof sample === 'string') return { ok: false, line: index + 1, reason: sample };
    samples.push(sample);
  }
  return { ok: true, exposition: { types, samples } };
}

/** The sum of a sample's values over every label set (`where` narrows them). */
export function total(exposition: Exposition, name: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  return exposition.samples.filter((sample) => sample.name === name && where(sample.labels)).reduce((sum, sample) => sum + sample.value, 0);
}

/** A sample's values summed by one label, largest first: `[{ key: 'Mysql2::Error', value: 3 }]`. */
export function totalsBy(exposition: Exposition, name: string, label: (labels: Record<string, string>) => string): Array<{ key: string; value: number }> {
  const sums = new Map<string, number>();
  for (const sample of exposition.samples) {
    if (sample.name !== name) continue;
    const key = label(sample.labels);
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return [...sums].map(([key, value]) => ({ key, value })).sort((a, b) => b.value - a.value || a.key.localeCompare(b.key));
}
