// The contract every agent package keeps, as Jest cases. Each case checks what its name says
// against the agent's real code path; `conformance.spec.ts` runs them against broken agents
// to prove that each one fails when the behaviour it names is missing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import { ErrorType, isCodeLanguage, type ModelUsage } from '@agent-orchestrator/domain';
import type { Agent, AgentDeps, AgentDescriptor, AgentInput, ChatModelOptions } from '../agent';
import { SETTING_PATTERN, UNKNOWN_AGENT, isAgentDescriptor } from '../agent-registry';
import { textOf } from '../llm';
import { UsageMeter, runWithUsageMeter } from '../usage-meter';
import { ScriptedChatModel } from './scripted-chat-model';

export interface ConformanceOptions {
  descriptor: AgentDescriptor;
  /** Deps whose LLM (and any tool) answer every request successfully. */
  makeDeps: () => AgentDeps;
  /** The package's folder (where its package.json is): the descriptor's version must be the one there. */
  packageRoot: string;
  /** The module importing the package loads; default `<packageRoot>/src/index.ts`. */
  entry?: string;
  /** The longest task text the API accepts; the agent must cope with it. */
  maxTaskLength?: number;
}

export type ConformanceCaseId =
  | 'descriptor'
  | 'create'
  | 'import'
  | 'output'
  | 'long-task'
  | 'history'
  | 'usage-meter'
  | 'budget'
  | 'pre-aborted'
  | 'mid-call-abort'
  | 'typed-errors'
  | 'settings';

/** One named check; `run` rejects when the agent breaks it. */
export interface ConformanceCase {
  /** Short stable key, e.g. `usage-meter`. */
  id: ConformanceCaseId;
  name: string;
  run: () => Promise<void>;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
/** Shorter than this, a description cannot tell the router when to pick the agent and when not. */
export const MIN_DESCRIPTION_LENGTH = 100;
export const MAX_DESCRIPTION_LENGTH = 1500;
const OUTPUT_KEYS = new Set(['agent_name', 'content', 'code_language', 'citations', 'summary']);
const ERROR_TYPES: ReadonlySet<string> = new Set(Object.values(ErrorType));

const input = (task: string, history: AgentInput['history'] = []): AgentInput => ({
  task_id: '00000000-0000-4000-8000-000000000001',
  session_id: 's-conformance',
  task,
  history,
});
const ORDINARY_TASK = 'Write a short note about the water cycle.';

/** What is wrong with an agent's output, as messages; empty when it is a valid AgentOutput from `agentName`. */
export function agentOutputProblems(output: unknown, agentName: string): string[] {
  if (typeof output !== 'object' || output === null) return ['output is not an object'];
  const o = output as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(o)) if (!OUTPUT_KEYS.has(key)) problems.push(`unknown field "${key}"`);
  if (o['agent_name'] !== agentName) problems.push(`agent_name is ${JSON.stringify(o['agent_name'])}, not "${agentName}"`);
  if (typeof o['content'] !== 'string' || o['content'].trim() === '') problems.push('content is not a non-empty string');
  if (!Array.isArray(o['citations'])) {
    problems.push('citations is not an array');
  } else {
    o['citations'].forEach((c: unknown, i) => {
      const cite = (c ?? {}) as Record<string, unknown>;
      if (typeof cite['source'] !== 'string' || cite['source'].trim() === '') problems.push(`citations[${i}].source is not a non-empty string`);
      if (!isHttpUrl(cite['url'])) problems.push(`citations[${i}].url is not an http(s) URL`);
      if (cite['title'] !== null && typeof cite['title'] !== 'string') problems.push(`citations[${i}].title is neither a string nor null`);
    });
  }
  const lang = o['code_language'];
  if (lang !== undefined && lang !== null && !isCodeLanguage(lang)) problems.push(`code_language ${JSON.stringify(lang)} is not one of the domain's CODE_LANGUAGES`);
  const summary = o['summary'];
  if (summary !== undefined && summary !== null && typeof summary !== 'string') problems.push('summary is neither a string nor null');
  return problems;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function usageProblems(usage: unknown): string[] {
  if (!Array.isArray(usage)) return ['usage is not an array'];
  const problems: string[] = [];
  (usage as ModelUsage[]).forEach((u, i) => {
    const count = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
    if (typeof u?.model !== 'string' || u.model === '') problems.push(`usage[${i}].model is empty`);
    if (!count(u?.prompt_tokens) || !count(u?.completion_tokens) || u.total_tokens !== u.prompt_tokens + u.completion_tokens) problems.push(`usage[${i}] token counts do not add up`);
    // null: the cost is unknown (a model without a price), which is valid; never a negative or missing cost.
    if (u?.cost_usd !== null && (typeof u?.cost_usd !== 'number' || !(u.cost_usd >= 0))) problems.push(`usage[${i}].cost_usd is neither a non-negative number nor null (unknown)`);
  });
  return problems;
}

/** Records the prompt of every chat-model call; awaited, so `onStart` runs before the model does. */
class CallRecorder extends BaseCallbackHandler {
  name = 'agent-conformance';
  readonly calls: string[][] = [];

  constructor(private readonly onStart: () => void = () => undefined) {
    super({ _awaitHandler: true });
  }

  override handleChatModelStart(_llm: unknown, messages: BaseMessage[][]): void {
    for (const batch of messages) this.calls.push(batch.map((m) => textOf(m)));
    this.onStart();
  }
}

function observe(model: BaseChatModel, recorder: CallRecorder): BaseChatModel {
  const current = model.callbacks;
  if (current === undefined) model.callbacks = [recorder];
  else if (Array.isArray(current)) model.callbacks = [...current, recorder];
  else current.addHandler(recorder);
  // Some providers (ChatOpenAI) answer withConfig — and so withStructuredOutput — with a new model
  // built from their constructor fields, which drops the handler: observe that one too.
  const withConfig = model.withConfig.bind(model);
  Object.defineProperty(model, 'withConfig', {
    configurable: true,
    writable: true,
    value: (config: Parameters<BaseChatModel['withConfig']>[0]) => {
      const out = withConfig(config);
      return out !== model && typeof (out as { _generate?: unknown })._generate === 'function' ? observe(out as unknown as BaseChatModel, recorder) : out;
    },
  });
  return model;
}

/** The same deps, with every chat model the agent asks for observed (and, with `replace`, swapped). */
function instrument(deps: AgentDeps, recorder: CallRecorder, replace?: (options: ChatModelOptions) => BaseChatModel): AgentDeps {
  const llm = deps.llm;
  return {
    ...deps,
    llm: {
      get configured() {
        return llm.configured;
      },
      get prices() {
        return llm.prices;
      },
      chatModel: (options) => observe(replace ? replace(options) : llm.chatModel(options), recorder),
    },
  };
}

async function rejection(run: Promise<unknown>, what: string): Promise<Record<string, unknown>> {
  let error: unknown;
  try {
    await run;
  } catch (err) {
    error = err;
  }
  if (error === undefined) throw new Error(`${what}: the run succeeded, but it must fail`);
  expect(error).toBeInstanceOf(Error);
  return error as Record<string, unknown>;
}

function declares(settings: readonly string[], key: string): boolean {
  return settings.some((s) => (s.endsWith('*') ? key.startsWith(s.slice(0, -1)) : s === key));
}

/** The conformance cases, as functions (so specs can run them against broken agents). */
export function agentConformanceCases({ descriptor, makeDeps, packageRoot, entry, maxTaskLength = 20_000 }: ConformanceOptions): ConformanceCase[] {
  const pkg = (): { name?: string; version?: string } => JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
  const create = (deps: AgentDeps = makeDeps()): Agent => descriptor.create(deps);

  return [
    {
      id: 'descriptor',
      name: 'exports a valid descriptor: a name, the semver version of its package.json, a description to route on, its settings',
      run: async () => {
        expect(isAgentDescriptor(descriptor)).toBe(true);
        expect(descriptor.name).toMatch(/^[A-Z][A-Za-z0-9]{1,63}$/);
        expect(descriptor.name).not.toBe(UNKNOWN_AGENT);
        expect(descriptor.version).toMatch(SEMVER);
        expect(descriptor.version).toBe(pkg().version);
        expect(descriptor.agent_type).toMatch(/^[a-z][a-z0-9_-]{0,63}$/);
        expect(descriptor.description.trim().length).toBeGreaterThanOrEqual(MIN_DESCRIPTION_LENGTH);
        expect(descriptor.description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
        expect(Array.isArray(descriptor.settings)).toBe(true);
        for (const s of descriptor.settings ?? []) expect(s).toMatch(SETTING_PATTERN);
      },
    },
    {
      id: 'create',
      name: 'creates an agent that carries the descriptor name and version',
      run: async () => {
        const agent = create();
        expect(agent.name).toBe(descriptor.name);
        expect(agent.version).toBe(descriptor.version);
      },
    },
    {
      id: 'import',
      name: 'has no side effects when imported: no output, no timers or sockets, no env or global changes',
      run: async () => {
        const file = entry ?? join(packageRoot, 'src', 'index.ts');
        const env = { ...process.env };
        const globals = Object.getOwnPropertyNames(globalThis).sort();
        const resources = process.getActiveResourcesInfo().sort();
        const spies = [
          jest.spyOn(process.stdout, 'write'),
          jest.spyOn(process.stderr, 'write'),
          ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m)),
        ];
        let mod: unknown;
        try {
          jest.isolateModules(() => {
            mod = jest.requireActual(file);
          });
          for (const spy of spies) expect(spy).not.toHaveBeenCalled();
        } finally {
          for (const spy of spies) spy.mockRestore();
        }
        expect(process.getActiveResourcesInfo().sort()).toEqual(resources);
        expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globals);
        expect({ ...process.env }).toEqual(env);
        const exported = (mod as { agentDescriptor?: unknown } | undefined)?.agentDescriptor;
        expect(isAgentDescriptor(exported)).toBe(true);
        expect((exported as AgentDescriptor).name).toBe(descriptor.name);
      },
    },
    {
      id: 'output',
      name: 'returns an AgentOutput for an ordinary task: content, citations with source and url, a known code_language, priced usage',
      run: async () => {
        const result = await create().run(input(ORDINARY_TASK));
        expect(agentOutputProblems(result.output, descriptor.name)).toEqual([]);
        expect(result.usage.length).toBeGreaterThan(0);
        expect(usageProblems(result.usage)).toEqual([]);
        expect(result.model === null || typeof result.model === 'string').toBe(true);
      },
    },
    {
      id: 'long-task',
      name: 'copes with the longest accepted task text',
      run: async () => {
        const result = await create().run(input('x'.repeat(maxTaskLength)));
        expect(agentOutputProblems(result.output, descriptor.name)).toEqual([]);
      },
    },
    {
      id: 'history',
      name: 'sends the session history (the earlier request and answer) to the model',
      run: async () => {
        const recorder = new CallRecorder();
        const history = [
          { role: 'user' as const, content: 'Earlier request, reference H1-7c3f: write about bees.' },
          { role: 'assistant' as const, content: 'Earlier answer, reference H2-9d1e: bees dance.', agent_name: descriptor.name },
        ];
        await create(instrument(makeDeps(), recorder)).run(input('Now make it shorter.', history));
        const prompts = recorder.calls.map((call) => call.join('\n'));
        expect(prompts.length).toBeGreaterThan(0);
        expect(prompts.some((p) => p.includes('H1-7c3f'))).toBe(true);
        expect(prompts.some((p) => p.includes('H2-9d1e'))).toBe(true);
        expect(prompts.some((p) => p.includes('Now make it shorter.'))).toBe(true);
      },
    },
    {
      id: 'usage-meter',
      name: 'makes every LLM call through the usage meter, and reports the usage it metered',
      run: async () => {
        const recorder = new CallRecorder();
        const meter = new UsageMeter(null);
        const result = await runWithUsageMeter(meter, () => create(instrument(makeDeps(), recorder)).run(input(ORDINARY_TASK)));
        expect(recorder.calls.length).toBeGreaterThan(0);
        // A call made around invokeText/invokeStructured is seen by the model but not by the meter.
        expect(meter.usages.length).toBe(recorder.calls.length);
        expect(result.usage).toEqual([...meter.usages]);
      },
    },
    {
      id: 'budget',
      name: 'makes no LLM call once the task budget is spent, and fails with BUDGET_EXCEEDED',
      run: async () => {
        const recorder = new CallRecorder();
        const meter = new UsageMeter({ max_tokens: 0, max_cost_usd: null });
        const error = await rejection(
          runWithUsageMeter(meter, () => create(instrument(makeDeps(), recorder)).run(input(ORDINARY_TASK))),
          'with no budget left',
        );
        expect(error['type']).toBe(ErrorType.BUDGET_EXCEEDED);
        expect(recorder.calls).toHaveLength(0);
      },
    },
    {
      id: 'pre-aborted',
      name: 'stops with TIMEOUT, calling no model, when its signal is already aborted',
      run: async () => {
        const recorder = new CallRecorder();
        const controller = new AbortController();
        controller.abort();
        const error = await rejection(create(instrument(makeDeps(), recorder)).run(input(ORDINARY_TASK), { signal: controller.signal }), 'with an aborted signal');
        expect(error['type']).toBe(ErrorType.TIMEOUT);
        expect(recorder.calls).toHaveLength(0);
      },
    },
    {
      id: 'mid-call-abort',
      name: 'stops with TIMEOUT, making no further call, when aborted during an LLM call (deadline or cancellation)',
      run: async () => {
        // The worker aborts with a plain reason and maps TIMEOUT to its own error (deadline, cancel, shutdown).
        for (const reason of ['deadline', 'cancelled']) {
          const controller = new AbortController();
          const recorder = new CallRecorder(() => controller.abort(reason));
          const error = await rejection(create(instrument(makeDeps(), recorder)).run(input(ORDINARY_TASK), { signal: controller.signal }), `aborted (${reason}) mid-call`);
          expect(error['type']).toBe(ErrorType.TIMEOUT);
          expect(recorder.calls).toHaveLength(1);
        }
      },
    },
    {
      id: 'typed-errors',
      name: "fails with a typed error (error.type from the domain's list) when the LLM fails",
      run: async () => {
        const recorder = new CallRecorder();
        const failing = (options: ChatModelOptions) =>
          new ScriptedChatModel(() => {
            throw Object.assign(new Error('conformance: the provider rejected the request'), { status: 400 });
          }, options.model);
        const error = await rejection(create(instrument(makeDeps(), recorder, failing)).run(input(ORDINARY_TASK)), 'with a failing LLM');
        expect(ERROR_TYPES.has(String(error['type']))).toBe(true);
        expect(typeof error['retryable']).toBe('boolean');
        expect(recorder.calls.length).toBeGreaterThan(0);
      },
    },
    {
      id: 'settings',
      name: 'reads only the settings its descriptor declares',
      run: async () => {
        const read = new Set<string>();
        const deps = makeDeps();
        const settings = new Proxy(deps.settings, {
          get(target, key, receiver) {
            if (typeof key === 'string') read.add(key);
            return Reflect.get(target, key, receiver);
          },
          has(target, key) {
            if (typeof key === 'string') read.add(key);
            return Reflect.has(target, key);
          },
          ownKeys(target) {
            read.add('(every key)');
            return Reflect.ownKeys(target);
          },
        });
        await create({ ...deps, settings }).run(input(ORDINARY_TASK));
        const declared = descriptor.settings ?? [];
        expect([...read].filter((key) => !declares(declared, key))).toEqual([]);
      },
    },
  ];
}

/**
 * The contract every agent package must keep. Call it from the agent's spec
 * with fakes (and from its integration spec with the OpenAI stub); it adds a
 * `describe` block of its own.
 */
export function describeAgentConformance(options: ConformanceOptions): void {
  describe(`${options.descriptor.name} conformance`, () => {
    for (const c of agentConformanceCases(options)) it(c.name, c.run);
  });
}
