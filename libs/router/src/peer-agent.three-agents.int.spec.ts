// needs: nothing external; starts a local OpenAI-protocol stub.
// TestAgent is routed to by its description alone: the registry is built the way the worker builds
// it at boot (the agent packages imported by name, as AGENTS lists them), and the router learns the
// three agents from registry.list(); no router code names any of them. The stub plays the model:
// it answers with the agent whose description the router sent that fits the task.
import { AgentRegistry, createOpenAiProvider, loadAgentDescriptors, noopLogger, type AgentSummary } from '@agent-orchestrator/agents-core';
import { scriptedLlmProvider, startOpenAiStub, type OpenAiStub, type StubChatRequest } from '@agent-orchestrator/agents-core/testing';
import { DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { PeerAgent } from './index';

// The worker's default AGENTS (libs/config DEFAULT_AGENTS); the router may not import config or agents.
const AGENT_PACKAGES = ['@agent-orchestrator/agent-content', '@agent-orchestrator/agent-code', '@agent-orchestrator/agent-test'];

/** A stand-in for the model: picks the agent whose description (as sent in the system prompt) matches the task. */
function pickByDescription(req: StubChatRequest, agents: readonly AgentSummary[]) {
  const task = req.lastUser.toLowerCase();
  // What each description opens with: the agent's own summary of what it does.
  const wanted = /\btests?\b/.test(task) ? /^Writes unit tests/ : /\b(function|bug|refactor)\b/.test(task) ? /^Writes, explains, refactors/ : /^Writes long-form prose/;
  const chosen = agents.find((a) => req.system.includes(a.description) && wanted.test(a.description));
  return { json: { agent_name: chosen?.name ?? 'Unknown', confidence: chosen ? 0.9 : 0.2, reasoning: chosen ? `The ${chosen.name} description fits.` : 'No description fits.' } };
}

describe('PeerAgent with the three default agents (OpenAI stub)', () => {
  let stub: OpenAiStub;
  let agents: AgentSummary[];

  beforeAll(async () => {
    const registry = new AgentRegistry();
    const deps = { llm: scriptedLlmProvider(() => 'unused'), settings: {}, logger: noopLogger };
    for (const descriptor of await loadAgentDescriptors(AGENT_PACKAGES)) registry.register(descriptor, deps);
    agents = registry.list();
    stub = await startOpenAiStub((req) => pickByDescription(req, agents));
  });
  afterAll(async () => {
    await stub.close();
  });

  const router = () =>
    new PeerAgent({ llm: createOpenAiProvider({ baseURL: stub.url, apiKey: 'test', timeoutMs: 5000, maxRetries: 0, prices: DEFAULT_PRICE_TABLE }), model: 'gpt-4o-mini', agents });

  it('the registry holds the three agents, TestAgent among them', () => {
    expect(agents.map((a) => a.name).sort()).toEqual(['CodeAgent', 'ContentAgent', 'TestAgent']);
  });

  it('routes a test-writing task to TestAgent, whose description the router sent', async () => {
    stub.requests.length = 0;
    const { decision } = await router().route({
      task: 'Write unit tests for this function:\n\nexport function slugify(s: string) { return s.toLowerCase().replace(/ /g, "-"); }',
      history: [],
      previousTasks: [],
    });
    expect(decision).toMatchObject({ status: 'routed', agent_name: 'TestAgent' });
    const system = stub.requests[0]!.system;
    for (const a of agents) expect(system).toContain(a.description);
  });

  it('still routes code and prose tasks to CodeAgent and ContentAgent', async () => {
    await expect(router().route({ task: 'Fix the bug in this function: def add(a, b): return a - b', history: [], previousTasks: [] })).resolves.toMatchObject({
      decision: { status: 'routed', agent_name: 'CodeAgent' },
    });
    await expect(router().route({ task: 'Write an article about the history of tea.', history: [], previousTasks: [] })).resolves.toMatchObject({
      decision: { status: 'routed', agent_name: 'ContentAgent' },
    });
  });
});
