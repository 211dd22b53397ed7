import type { LiveAgent as PublishedAgent, LiveWorker as WorkerRecord } from '../ports/worker-directory.port';
import { agentCatalog } from './list-agents.query';

const code = (version: string, description = 'Writes code.'): PublishedAgent => ({ name: 'CodeAgent', version, agent_type: 'code', description });
const content: PublishedAgent = { name: 'ContentAgent', version: '0.3.0', agent_type: 'content', description: 'Writes prose.' };

function worker(id: string, seen: string, agents: PublishedAgent[]): WorkerRecord {
  return { worker_id: id, hostname: 'h', pid: 1, started_at: '2030-01-01T00:00:00.000Z', last_seen_at: seen, agents };
}

describe('agentCatalog', () => {
  it('is empty without live workers', () => {
    expect(agentCatalog([])).toEqual([]);
  });

  it('lists each agent once per version, counting the workers that registered it', () => {
    const catalog = agentCatalog([
      worker('w1', '2030-01-01T00:00:01.000Z', [code('1.0.0'), content]),
      worker('w2', '2030-01-01T00:00:02.000Z', [code('1.0.0'), content]),
      worker('w3', '2030-01-01T00:00:03.000Z', [code('1.10.0')]),
    ]);
    expect(catalog).toEqual([
      { ...code('1.10.0'), workers: 1 },
      { ...code('1.0.0'), workers: 2 },
      { ...content, workers: 2 },
    ]);
  });

  it('takes the description of the most recently seen worker when they disagree', () => {
    const catalog = agentCatalog([
      worker('old', '2030-01-01T00:00:01.000Z', [code('1.0.0', 'old words')]),
      worker('new', '2030-01-01T00:00:09.000Z', [code('1.0.0', 'new words')]),
    ]);
    expect(catalog).toEqual([{ ...code('1.0.0', 'new words'), workers: 2 }]);
  });
});
