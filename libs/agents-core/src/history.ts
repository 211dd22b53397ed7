// Bounds the session history an agent puts in its prompts, so every agent treats context alike.
import type { ConversationTurn } from './agent';
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';

export interface HistoryLimits {
  maxTurns: number;
  /** Budget for all kept turns together. */
  maxChars: number;
  /** No single turn (a long earlier article, say) may take more than this. */
  maxTurnChars: number;
}

export const HISTORY_LIMITS: HistoryLimits = { maxTurns: 6, maxChars: 6_000, maxTurnChars: 2_000 };

const MIN_USEFUL_CHARS = 200;
const TRUNCATED = ' … [truncated]';

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, Math.max(0, max - TRUNCATED.length))}${TRUNCATED}` : text;
}

/** The most recent turns that fit the limits, oldest first; empty turns are dropped. */
export function recentHistory(history: readonly ConversationTurn[], limits: HistoryLimits = HISTORY_LIMITS): ConversationTurn[] {
  const kept: ConversationTurn[] = [];
  let budget = limits.maxChars;
  for (let i = history.length - 1; i >= 0 && kept.length < limits.maxTurns; i--) {
    const turn = history[i];
    const content = turn?.content.trim();
    if (!turn || !content) continue;
    const clipped = clip(content, limits.maxTurnChars);
    if (clipped.length <= budget) {
      kept.push({ ...turn, content: clipped });
      budget -= clipped.length;
      continue;
    }
    if (budget >= MIN_USEFUL_CHARS) kept.push({ ...turn, content: clip(content, budget) });
    break;
  }
  return kept.reverse();
}

/** Turns as chat messages, to place before the current request. */
export function historyMessages(turns: readonly ConversationTurn[]): BaseMessage[] {
  return turns.map((t) => (t.role === 'user' ? new HumanMessage(t.content) : new AIMessage(t.content)));
}

/** Turns as a plain transcript, for prompts that must not continue the conversation themselves. */
export function historyTranscript(turns: readonly ConversationTurn[]): string {
  return turns.map((t) => `${t.role === 'user' ? 'User' : 'Assistant'}: ${t.content}`).join('\n\n');
}
