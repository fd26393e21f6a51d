// Row shapes and small helpers shared by the storage files.

/** SQL NULL -> undefined. */
export const u = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export interface ItemRow {
  id: number; source_id: number; guid: string | null; url: string | null; link: string | null; title: string;
  summary: string | null; content: string | null; author: string | null; published_at: string;
  updated_at: string | null; enclosures: string; categories: string; article_id: number;
}
