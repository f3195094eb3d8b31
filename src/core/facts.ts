import type { Context } from './types.js';
import { probesFor, UndeclaredProbeError, type ProbeName } from './probe-access.js';

/**
 * A fact: something about the deployment computed once per run and shared by every check that asks for it
 * (the outbound IPs, the containers, the nat rules). A fact declares the probes it uses; a check that asks
 * for a fact must declare them too.
 */
export interface FactSpec<Args extends unknown[], T> {
  name: string;
  probes: readonly ProbeName[];
  compute(ctx: Context, ...args: Args): Promise<T>;
}

/** The per-run memory of facts, kept on the context; created by the runner. */
export interface FactStore {
  /** Probes of the whole run, for facts; each fact sees only the ones it declares. */
  probes: Context['probes'];
  offline: boolean;
  /** Aborted at the run's deadline: a fact outlives the check that first asked for it. */
  signal: AbortSignal;
  values: Map<FactSpec<never, unknown>, Map<string, Promise<unknown>>>;
  /** Each fact's own context, made once: a family of thousands of DNS questions shares it. */
  contexts: Map<FactSpec<never, unknown>, Context>;
}

export function createFactStore(probes: Context['probes'], offline: boolean, signal: AbortSignal): FactStore {
  return { probes, offline, signal, values: new Map(), contexts: new Map() };
}

function factContext(spec: FactSpec<never, unknown>, ctx: Context): Context {
  const store = ctx.facts;
  let context = store.contexts.get(spec);
  if (!context) {
    const user = `the fact "${spec.name}"`;
    context = { config: ctx.config, options: ctx.options, probes: probesFor(store.probes, user, spec.probes, store.offline, store.signal), signal: store.signal, facts: store, user, declared: spec.probes };
    store.contexts.set(spec, context);
  }
  return context;
}

function obtain<Args extends unknown[], T>(spec: FactSpec<Args, T>, ctx: Context, key: string, args: Args): Promise<T> {
  for (const probe of spec.probes) if (!ctx.declared.includes(probe)) throw new UndeclaredProbeError(`${ctx.user} (through the fact "${spec.name}")`, probe);
  const store = ctx.facts;
  let byKey = store.values.get(spec as FactSpec<never, unknown>);
  if (!byKey) store.values.set(spec as FactSpec<never, unknown>, (byKey = new Map()));
  let pending = byKey.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = spec.compute(factContext(spec as FactSpec<never, unknown>, ctx), ...args);
    byKey.set(key, pending);
  }
  return pending;
}

const specs = new WeakMap<(ctx: Context) => Promise<unknown>, FactSpec<never, unknown>>();

/** A fact without parameters: `const containers = defineFact({...}); await containers(ctx)`. */
export function defineFact<T>(spec: FactSpec<[], T>): (ctx: Context) => Promise<T> {
  const fact = (ctx: Context) => obtain(spec, ctx, '', []);
  specs.set(fact, spec as FactSpec<never, unknown>);
  return fact;
}

/** The fact's value when a check of this run asked for it, else undefined: for the report, which starts no new work. */
export function factIfComputed<T>(fact: (ctx: Context) => Promise<T>, store: FactStore): Promise<T> | undefined {
  const spec = specs.get(fact);
  return spec && (store.values.get(spec)?.get('') as Promise<T> | undefined);
}

/** A fact per argument list (a DNS question, a host): computed once per distinct `key(...args)`. */
export function defineFactFamily<Args extends unknown[], T>(spec: FactSpec<Args, T> & { key(...args: Args): string }): (ctx: Context, ...args: Args) => Promise<T> {
  return (ctx, ...args) => obtain(spec, ctx, spec.key(...args), args);
}
