// Proves the conformance suite bites: a reference agent passes every case, and each deliberately
// broken variant fails the case that names the behaviour it lacks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import type { Agent, AgentContext, AgentDeps, AgentDescriptor, AgentInput, AgentRunResult } from '../agent';
import { noopLogger } from '../agent';
import { historyMessages, recentHistory } from '../history';
import { usageOf } from '../llm';
import { invokeText } from '../structured';
import { agentConformanceCases, agentOutputProblems, type ConformanceCaseId } from './conformance';
import { scriptedLlmProvider } from './scripted-chat-model';

type Flaw =
  | 'ignores-history'
  | 'bypasses-meter'
  | 'swallows-errors'
  | 'untyped-errors'
  | 'ignores-signal'
  | 'bad-output'
  | 'reads-undeclared-setting'
  | 'wrong-agent-version';

const NAME = 'ReferenceAgent';
const VERSION = '1.2.3';
const DESCRIPTION =
  'Writes short notes in plain prose about any everyday topic the user names. Pick it for a note or a short paragraph; ' +
  'it does not write code, search the web or take actions.';

class ReferenceAgent implements Agent {
  readonly name = NAME;
  readonly version: string;

  constructor(
    private readonly deps: AgentDeps,
    private readonly flaw: Flaw | null,
  ) {
    this.version = flaw === 'wrong-agent-version' ? '9.9.9' : VERSION;
  }

  async run(input: AgentInput, ctx: AgentContext = {}): Promise<AgentRunResult> {
    try {
      return await this.write(input, ctx);
    } catch (err) {
      if (this.flaw === 'swallows-errors') return { output: { agent_name: NAME, content: 'Sorry, something went wrong.', citations: [] }, usage: [], model: null };
      if (this.flaw === 'untyped-errors') throw new Error(`ReferenceAgent failed: ${(err as Error).message}`);
      throw err;
    }
  }

  private async write(input: AgentInput, ctx: AgentContext): Promise<AgentRunResult> {
    const model = this.deps.settings['REFERENCE_MODEL'] ?? 'gpt-4o-mini';
    if (this.flaw === 'reads-undeclared-setting' && this.deps.settings['MONGO_URI']) throw new Error('unreachable');
    const chat = this.deps.llm.chatModel({ model });
    const history = this.flaw === 'ignores-history' ? [] : historyMessages(recentHistory(input.history));
    const messages = [new SystemMessage('You write short notes.'), ...history, new HumanMessage(input.task)];
    const signal = this.flaw === 'ignores-signal' ? undefined : ctx.signal;
    let text: string;
    let usage;
    if (this.flaw === 'bypasses-meter') {
      const raw = await chat.invoke(messages, { signal });
      text = String(raw.content);
      usage = usageOf(raw, model, this.deps.llm.prices);
    } else {
      const call = await invokeText(chat, messages, { prices: this.deps.llm.prices, signal });
      text = call.value;
      usage = call.usage;
    }
    const output =
      this.flaw === 'bad-output'
        ? { agent_name: NAME, content: text, code_language: 'klingon', citations: [{ source: 'web', title: 'A page', url: null }] }
        : { agent_name: NAME, content: text, code_language: null, citations: [{ source: 'web', title: 'A page', url: 'https://example.com/a' }], summary: null };
    return { output, usage: [usage], model };
  }
}

const descriptorOf = (flaw: Flaw | null, overrides: Partial<AgentDescriptor> = {}): AgentDescriptor => ({
  name: NAME,
  version: VERSION,
  agent_type: 'note',
  description: DESCRIPTION,
  settings: ['REFERENCE_MODEL'],
  create: (deps) => new ReferenceAgent(deps, flaw),
  ...overrides,
});

const makeDeps = (): AgentDeps => ({
  llm: scriptedLlmProvider(() => 'Water evaporates, condenses into clouds and falls as rain.'),
  settings: { REFERENCE_MODEL: 'gpt-4o-mini', MONGO_URI: 'mongodb://localhost/secret' },
  logger: noopLogger,
});

let packageRoot: string;

/** A package folder whose package.json says VERSION, and entry modules with and without import side effects. */
beforeAll(() => {
  packageRoot = mkdtempSync(join(tmpdir(), 'ao-conformance-'));
  writeFileSync(join(packageRoot, 'package.json'), JSON.stringify({ name: '@acme/agent-reference', version: VERSION }));
  const descriptor = `exports.agentDescriptor = { name: '${NAME}', version: '${VERSION}', agent_type: 'note', description: ${JSON.stringify(DESCRIPTION)}, settings: [], create() { throw new Error('unused'); } };\n`;
  writeFileSync(join(packageRoot, 'clean.js'), descriptor);
  writeFileSync(join(packageRoot, 'sets-env.js'), `process.env.AO_CONFORMANCE_LEAK = '1';\n${descriptor}`);
  writeFileSync(join(packageRoot, 'logs.js'), `console.log('agent loaded');\n${descriptor}`);
  writeFileSync(join(packageRoot, 'sets-global.js'), `globalThis.aoConformanceLeak = 1;\n${descriptor}`);
  writeFileSync(join(packageRoot, 'no-descriptor.js'), `exports.somethingElse = 1;\n`);
});

afterAll(() => {
  delete process.env['AO_CONFORMANCE_LEAK'];
  delete (globalThis as Record<string, unknown>)['aoConformanceLeak'];
  rmSync(packageRoot, { recursive: true, force: true });
});

function caseOf(id: ConformanceCaseId, descriptor: AgentDescriptor, entry = 'clean.js'): () => Promise<void> {
  const found = agentConformanceCases({ descriptor, makeDeps, packageRoot, entry: join(packageRoot, entry) }).find((c) => c.id === id);
  if (!found) throw new Error(`no case ${id}`);
  return found.run;
}

describe('the conformance suite', () => {
  it('has the twelve cases, and the reference agent passes every one', async () => {
    const cases = agentConformanceCases({ descriptor: descriptorOf(null), makeDeps, packageRoot, entry: join(packageRoot, 'clean.js') });
    expect(cases.map((c) => c.id)).toEqual([
      'descriptor',
      'create',
      'import',
      'output',
      'long-task',
      'history',
      'usage-meter',
      'budget',
      'pre-aborted',
      'mid-call-abort',
      'typed-errors',
      'settings',
    ]);
    for (const c of cases) await expect(c.run()).resolves.toBeUndefined();
  });

  it.each<[string, ConformanceCaseId, Flaw | null, Partial<AgentDescriptor>]>([
    ['a version that is not semver', 'descriptor', null, { version: 'v1' }],
    ['a version other than package.json', 'descriptor', null, { version: '1.2.4' }],
    ['a description too short to route on', 'descriptor', null, { description: 'Writes notes.' }],
    ['the reserved name Unknown', 'descriptor', null, { name: 'Unknown' }],
    ['no settings declaration', 'descriptor', null, { settings: undefined }],
    ['an agent whose version is not the descriptor one', 'create', 'wrong-agent-version', {}],
    ['citations without url and an unknown code_language', 'output', 'bad-output', {}],
    ['an agent that ignores the session history', 'history', 'ignores-history', {}],
    ['an agent that calls the model around the usage meter', 'usage-meter', 'bypasses-meter', {}],
    ['an agent that calls the model around the usage meter (budget)', 'budget', 'bypasses-meter', {}],
    ['an agent that swallows the budget error', 'budget', 'swallows-errors', {}],
    ['an agent that ignores its signal (already aborted)', 'pre-aborted', 'ignores-signal', {}],
    ['an agent that ignores its signal (mid-call)', 'mid-call-abort', 'ignores-signal', {}],
    ['an agent that turns an abort into a plain Error', 'pre-aborted', 'untyped-errors', {}],
    ['an agent that answers anyway after an abort', 'mid-call-abort', 'swallows-errors', {}],
    ['an agent that throws untyped errors', 'typed-errors', 'untyped-errors', {}],
    ['an agent that hides LLM failures behind a fallback answer', 'typed-errors', 'swallows-errors', {}],
    ['an agent that reads a setting it does not declare', 'settings', 'reads-undeclared-setting', {}],
  ])('%s fails the %s case', async (_what, id, flaw, overrides) => {
    await expect(caseOf(id, descriptorOf(flaw, overrides))()).rejects.toThrow();
  });

  it.each([
    ['sets an environment variable', 'sets-env.js'],
    ['writes to the console', 'logs.js'],
    ['adds a global', 'sets-global.js'],
    ['exports no agentDescriptor', 'no-descriptor.js'],
  ])('a package that %s when imported fails the import case', async (_what, entry) => {
    await expect(caseOf('import', descriptorOf(null), entry)()).rejects.toThrow();
  });

  it('agentOutputProblems lists each problem of an output', () => {
    expect(agentOutputProblems({ agent_name: NAME, content: 'x', citations: [], code_language: 'python', summary: null }, NAME)).toEqual([]);
    expect(
      agentOutputProblems({ agent_name: 'Other', content: ' ', citations: [{ source: '', title: 3, url: 'ftp://x' }], code_language: 'klingon', extra: 1 }, NAME),
    ).toEqual([
      'unknown field "extra"',
      'agent_name is "Other", not "ReferenceAgent"',
      'content is not a non-empty string',
      'citations[0].source is not a non-empty string',
      'citations[0].url is not an http(s) URL',
      'citations[0].title is neither a string nor null',
      `code_language "klingon" is not one of the domain's CODE_LANGUAGES`,
    ]);
  });
});
