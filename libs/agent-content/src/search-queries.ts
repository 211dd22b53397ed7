// Step (a): the web search queries for a task.
import type { ConversationTurn } from '@agent-orchestrator/agents-core';
import { z } from 'zod';

/** Structured output of the query-planning call. No length constraints in the schema: strict JSON-schema mode rejects some; they are applied after parsing. */
export const searchQueriesSchema = z.object({
  queries: z.array(z.string().describe('A short web search query')).describe('1 to 3 web search queries, most important first'),
});
export const SEARCH_QUERIES_SCHEMA_NAME = 'search_queries';

export const MAX_QUERIES = 3;
/** Tavily rejects longer queries. */
export const MAX_QUERY_CHARS = 400;
/** A one-line task up to this length is searched as it is. */
export const DIRECT_QUERY_MAX_CHARS = 200;

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * Whether to spend an LLM call turning the task into queries. A short,
 * single-line task with no history is already a usable query (Tavily takes
 * natural language), so it is searched directly: one round-trip and its tokens
 * saved. Long or multi-line tasks need condensing, and follow-ups ("make it
 * shorter", "what about its history?") only make sense with the history resolved.
 */
export function shouldDeriveQueries(task: string, history: readonly ConversationTurn[]): boolean {
  const t = task.trim();
  return history.length > 0 || t.length > DIRECT_QUERY_MAX_CHARS || /\n/.test(t);
}

/** The task itself as a query. */
export function directQuery(task: string): string {
  return collapse(task).slice(0, MAX_QUERY_CHARS);
}

/** Cleans the model's queries: trimmed, length-capped, case-insensitively unique, at most 3; the task itself when none is left. */
export function sanitizeQueries(raw: readonly string[], task: string): string[] {
  const seen = new Set<string>();
  const queries: string[] = [];
  for (const q of raw) {
    const clean = collapse(q).replace(/^["']+|["']+$/g, '').slice(0, MAX_QUERY_CHARS).trim();
    const key = clean.toLowerCase();
    if (!clean || seen.has(key)) continue;
    seen.add(key);
    queries.push(clean);
    if (queries.length >= MAX_QUERIES) break;
  }
  return queries.length > 0 ? queries : [directQuery(task)];
}
