// `code_language` as stored on task results: one name from the domain's CODE_LANGUAGES, or null.
import { isCodeLanguage, type CodeLanguage } from './agent-output';

const ALIASES: Readonly<Record<string, string>> = {
  ts: 'typescript',
  tsx: 'typescript',
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  node: 'javascript',
  nodejs: 'javascript',
  'node.js': 'javascript',
  py: 'python',
  python3: 'python',
  py3: 'python',
  rb: 'ruby',
  rs: 'rust',
  golang: 'go',
  'c++': 'cpp',
  cxx: 'cpp',
  cc: 'cpp',
  hpp: 'cpp',
  'c#': 'csharp',
  cs: 'csharp',
  'f#': 'fsharp',
  fs: 'fsharp',
  kt: 'kotlin',
  kts: 'kotlin',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  shellscript: 'bash',
  ps1: 'powershell',
  pwsh: 'powershell',
  yml: 'yaml',
  md: 'markdown',
  'objective-c': 'objectivec',
  objc: 'objectivec',
  postgresql: 'sql',
  postgres: 'sql',
  mysql: 'sql',
  sqlite: 'sql',
  tsql: 'sql',
  plpgsql: 'sql',
  dockerfile: 'dockerfile',
  docker: 'dockerfile',
  htm: 'html',
  vb: 'vbnet',
  'visual basic': 'vbnet',
  'vb.net': 'vbnet',
  regexp: 'regex',
  'regular expression': 'regex',
  tf: 'terraform',
  proto: 'protobuf',
  make: 'makefile',
  tex: 'latex',
  ex: 'elixir',
  exs: 'elixir',
  asm: 'assembly',
  jl: 'julia',
  pl: 'perl',
  hs: 'haskell',
  ml: 'ocaml',
  clj: 'clojure',
  jsonc: 'json',
  sass: 'scss',
  'c/c++': 'cpp',
};

/** Words that mean "no code here". */
const NONE = new Set(['', 'none', 'n/a', 'na', 'null', 'nil', 'unknown', 'text', 'plaintext', 'plain', 'txt', 'no code', 'natural language', 'english']);

/** The canonical language name (one of CODE_LANGUAGES), or null when the value names no language we know. */
export function normalizeLanguage(value: string | null | undefined): CodeLanguage | null {
  const v = (value ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
  if (NONE.has(v)) return null;
  const aliased = ALIASES[v] ?? v;
  const clean = aliased.replace(/ /g, '-').replace(/[^a-z0-9+#.-]/g, '');
  return isCodeLanguage(clean) ? clean : null;
}

const FENCE_INFO = /^[ \t]*(?:```|~~~)[ \t]*([A-Za-z0-9+#._-]+)/gm;

/** Language tag of the first fenced code block that has one (e.g. ```python), normalized. */
export function languageFromFences(markdown: string): CodeLanguage | null {
  for (const match of markdown.matchAll(FENCE_INFO)) {
    const lang = normalizeLanguage(match[1]);
    if (lang) return lang;
  }
  return null;
}
