/** A source an agent relied on. `source` names the tool that found it (e.g. `tavily`). */
export interface Citation {
  source: string;
  title: string | null;
  url: string | null;
}

/** What every agent returns, whatever it does. */
export interface AgentOutput {
  agent_name: string;
  content: string;
  code_language?: string | null;
  citations: Citation[];
  /** Optional one- or two-sentence summary shown in task listings. */
  summary?: string | null;
}
