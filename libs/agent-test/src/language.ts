// `code_language` of a TestAgent answer: one of the domain's CODE_LANGUAGES, or null.
import { isCodeLanguage, type CodeLanguage } from '@agent-orchestrator/domain';

const ALIASES: Readonly<Record<string, CodeLanguage>> = {
  ts: 'typescript',
  tsx: 'typescript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  'node.js': 'javascript',
  py: 'python',
  python3: 'python',
  rb: 'ruby',
  rs: 'rust',
  golang: 'go',
  'c++': 'cpp',
  cxx: 'cpp',
  'c#': 'csharp',
  cs: 'csharp',
  'f#': 'fsharp',
  kt: 'kotlin',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  ex: 'elixir',
  exs: 'elixir',
  'objective-c': 'objectivec',
  objc: 'objectivec',
};

/** The canonical language name, or null when the value names no language we know. */
export function normalizeLanguage(value: string | null | undefined): CodeLanguage | null {
  const v = (value ?? '').trim().toLowerCase();
  const name = ALIASES[v] ?? v;
  return isCodeLanguage(name) ? name : null;
}

const FENCE_INFO = /^[ \t]*(?:```|~~~)[ \t]*([A-Za-z0-9+#._-]+)/gm;

/** Language tag of the first fenced code block that names a known language. */
export function languageFromFences(markdown: string): CodeLanguage | null {
  for (const match of markdown.matchAll(FENCE_INFO)) {
    const lang = normalizeLanguage(match[1]);
    if (lang) return lang;
  }
  return null;
}
