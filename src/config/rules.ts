// Keep/block rules in the config (as Miniflux's): regular expressions on an item's title, content, author or
// URL, globally (`rules:`) and per source (`sources[].rules:`). Validated here, with the same file:line
// messages as the rest of the config; matched by filter/ in the ingest, before clustering.
import { z } from 'zod';
import type { FilterRule, FilterRules } from '../model/index.js';
import { compileRule } from '../filter/index.js';

/** The fields a rule can test. */
export const RULE_FIELDS = ['title', 'content', 'author', 'url'] as const;

// ---- Tunables -------------------------------------------------------------------------------------
/** Rules per list (block or keep), per scope: each costs a linear scan of every new item. */
const MAX_RULES = 100;
/** A pattern longer than this is refused (RE2 compiles it to a program of about that size). */
const MAX_PATTERN_CHARS = 1_000;
// ---------------------------------------------------------------------------------------------------

const pattern = z.string({ error: 'expected a regular expression (text)' })
  .max(MAX_PATTERN_CHARS, { error: `expected a regular expression of at most ${MAX_PATTERN_CHARS} characters` })
  .superRefine((value, ctx) => {
    const problem = compileRule(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const rule = z.strictObject({
  title: pattern.optional(),
  content: pattern.optional(),
  author: pattern.optional(),
  url: pattern.optional(),
}, { error: (i) => (i.code === 'invalid_type' ? `expected a map with one of ${RULE_FIELDS.join(', ')}, e.g. {title: "(?i)sponsored"}` : undefined) })
  .refine((r) => RULE_FIELDS.some((f) => r[f] !== undefined), { error: `a rule needs at least one of ${RULE_FIELDS.join(', ')}` });

const list = z.array(rule, { error: 'expected a list of rules' })
  .max(MAX_RULES, { error: `expected at most ${MAX_RULES} rules` });

/** `rules: { block: [...], keep: [...] }` -> FilterRules. */
export const rulesSchema = z.strictObject({ block: list.optional(), keep: list.optional() },
  { error: (i) => (i.code === 'invalid_type' ? 'expected a map with `block` and/or `keep` lists' : undefined) })
  .transform((r): FilterRules => ({ block: (r.block ?? []) as FilterRule[], keep: (r.keep ?? []) as FilterRule[] }));
