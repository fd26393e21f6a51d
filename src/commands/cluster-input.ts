// The input of `storyfeed cluster`: JSON Lines -> documents. A module of its own, loaded when the command
// runs, so that `--help` loads neither zod nor the URL cleaner.
import { z } from 'zod';
import type { ClusterDoc } from '../cluster/index.js';
import { canonicalUrl } from '../urlcleaner/index.js';
import { UsageError } from './shared.js';

const clusterLine = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string(),
  text: z.string().optional(),
  url: z.string().optional(),
  published: z.string().refine((v) => Number.isFinite(Date.parse(v)), { error: 'expected an ISO 8601 date' }).optional(),
  source: z.string().optional(),
});

/** JSON Lines -> documents; a bad line is named with its number. Undated items count as the newest. */
export function parseClusterInput(text: string, file: string): ClusterDoc[] {
  const rows: { id: string; title: string; text?: string; url?: string; published?: number; source?: string }[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let data: unknown;
    try {
      data = JSON.parse(line);
    } catch (err) {
      throw new UsageError(`${file}:${i + 1}: not valid JSON: ${(err as Error).message}`);
    }
    const r = clusterLine.safeParse(data);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new UsageError(`${file}:${i + 1}: ${issue?.path.join('.') || 'line'}: ${issue?.message}`);
    }
    if (seen.has(r.data.id)) throw new UsageError(`${file}:${i + 1}: id ${JSON.stringify(r.data.id)} appears twice`);
    seen.add(r.data.id);
    rows.push({ ...r.data, url: canonicalUrl(r.data.url) ?? r.data.url, published: r.data.published ? Date.parse(r.data.published) : undefined });
  });
  const latest = rows.reduce((m, r) => Math.max(m, r.published ?? -Infinity), -Infinity);
  const undated = Number.isFinite(latest) ? latest : Date.now();
  return rows.map((r) => ({ id: r.id, title: r.title, text: r.text, url: r.url, published: r.published ?? undated, source: r.source }));
}
