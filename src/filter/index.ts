// Keep/block rules (as Miniflux's), applied by the ingest to new items before they are stored or clustered.
// Patterns are RE2 syntax (Go's, so Miniflux rules carry over; "(?i)" for case-insensitive) run by re2js, a
// port of RE2: matching is linear in the text whatever the pattern, so a rule cannot stall a cycle with
// catastrophic backtracking, and lookaround/backreferences (the constructs that need it) are refused.
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import type { FilterRule, FilterRules } from '../model/index.js';

// ---- Tunables -------------------------------------------------------------------------------------
/** Characters of an item's content (plain text) a rule looks at: bounds the cost per item and rule. */
export const MAX_CONTENT_CHARS = 20_000;
// ---------------------------------------------------------------------------------------------------

/** What a rule sees of an item (plain text: HTML already reduced). */
export interface FilterSubject {
  title: string;
  /** Plain text of the content (or summary). */
  content: string;
  author: string;
  /** The item's link (and canonical URL). */
  url: string;
}

const compiled = new Map<string, RE2JS>();
let engine: typeof RE2JS | undefined;

/** re2js, loaded on the first pattern: a config without rules (and --help) never loads it. */
function re2(): typeof RE2JS {
  engine ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
  return engine;
}

function matcher(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = re2().compile(pattern);
    compiled.set(pattern, re);
  }
  return re;
}

/** Why a pattern cannot be a rule (RE2 syntax), or undefined when it compiles. */
export function compileRule(pattern: string): string | undefined {
  try {
    matcher(pattern);
    return undefined;
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    return `invalid regular expression: ${why} (RE2 syntax, as in Miniflux: no lookaround or backreferences; "(?i)" ignores case)`;
  }
}

function ruleMatches(rule: FilterRule, s: FilterSubject): boolean {
  let named = false;
  for (const field of ['title', 'content', 'author', 'url'] as const) {
    const p = rule[field];
    if (p === undefined) continue;
    named = true;
    const text = field === 'content' ? s.content.slice(0, MAX_CONTENT_CHARS) : s[field];
    if (!matcher(p).matcher(text).find()) return false;
  }
  return named;
}

/** "title ~ /(?i)sponsored/" for logs and summaries. */
export function describeRule(rule: FilterRule): string {
  return (['title', 'content', 'author', 'url'] as const).filter((f) => rule[f] !== undefined).map((f) => `${f} ~ /${rule[f]}/`).join(' and ');
}

export type Verdict = { keep: true } | { keep: false; why: string };

/**
 * Keep or drop one item under the global and the source's rules: any matching block rule drops it; when
 * keep rules exist (in either scope), it stays only if one of them matches.
 */
export function judge(subject: FilterSubject, scopes: readonly (FilterRules | undefined)[]): Verdict {
  const block = scopes.flatMap((r) => r?.block ?? []);
  const keep = scopes.flatMap((r) => r?.keep ?? []);
  const blocked = block.find((r) => ruleMatches(r, subject));
  if (blocked) return { keep: false, why: `block rule ${describeRule(blocked)}` };
  if (keep.length && !keep.some((r) => ruleMatches(r, subject))) return { keep: false, why: 'no keep rule matches' };
  return { keep: true };
}

/** Split items into those kept and those dropped (with the reason), under the given rule scopes. */
export function filterItems<T>(items: readonly T[], subject: (item: T) => FilterSubject, scopes: readonly (FilterRules | undefined)[]):
  { kept: T[]; dropped: { item: T; why: string }[] } {
  if (!scopes.some((r) => r && (r.block.length || r.keep.length))) return { kept: [...items], dropped: [] };
  const kept: T[] = [];
  const dropped: { item: T; why: string }[] = [];
  for (const item of items) {
    const v = judge(subject(item), scopes);
    if (v.keep) kept.push(item);
    else dropped.push({ item, why: v.why });
  }
  return { kept, dropped };
}
