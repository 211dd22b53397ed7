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

/**
 * The values `code_language` may take (lowercase canonical names): what the API filters and shows.
 * An agent maps whatever its model says onto one of these, or null. Add names, never rename.
 */
export const CODE_LANGUAGES = [
  'ada', 'assembly', 'bash', 'c', 'clojure', 'cobol', 'cpp', 'crystal', 'csharp', 'css', 'cuda', 'dart', 'dockerfile', 'elixir', 'elm',
  'erlang', 'fortran', 'fsharp', 'go', 'graphql', 'groovy', 'haskell', 'hcl', 'html', 'java', 'javascript', 'json', 'julia', 'kotlin',
  'latex', 'lisp', 'lua', 'makefile', 'markdown', 'matlab', 'nim', 'nix', 'objectivec', 'ocaml', 'pascal', 'perl', 'php', 'powershell',
  'prolog', 'protobuf', 'python', 'r', 'regex', 'ruby', 'rust', 'scala', 'scheme', 'scss', 'solidity', 'sql', 'swift', 'terraform', 'toml',
  'typescript', 'vbnet', 'verilog', 'vhdl', 'vue', 'xml', 'yaml', 'zig',
] as const;
export type CodeLanguage = (typeof CODE_LANGUAGES)[number];

const CODE_LANGUAGE_SET: ReadonlySet<string> = new Set(CODE_LANGUAGES);

export function isCodeLanguage(value: unknown): value is CodeLanguage {
  return typeof value === 'string' && CODE_LANGUAGE_SET.has(value);
}
