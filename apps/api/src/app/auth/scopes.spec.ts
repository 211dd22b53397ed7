import { scopeFor } from './scopes';

describe('scopeFor: the scope each /v1 route needs', () => {
  const id = '7d444840-9dc0-4d6a-9f2b-3a4e1c0b6f11';
  it.each([
    ['POST', '/v1/agent/execute', 'tasks:submit'],
    ['GET', '/v1/tasks', 'tasks:read'],
    ['GET', `/v1/tasks/${id}`, 'tasks:read'],
    ['GET', `/v1/tasks/${id}/events`, 'tasks:read'],
    ['GET', `/v1/tasks/${id}/stream`, 'tasks:read'],
    ['GET', `/v1/tasks/${id}/webhooks`, 'tasks:read'],
    ['POST', `/v1/tasks/${id}/cancel`, 'tasks:manage'],
    ['POST', `/v1/tasks/${id}/retry`, 'tasks:manage'],
    ['GET', '/v1/usage', 'tasks:read'],
    ['GET', '/v1/agents', 'system:read'],
    ['GET', '/v1/system/metrics', 'system:read'],
    ['GET', '/v1/system/metrics/history', 'system:read'],
    // Another method on a path: the path's scope (the route answers 405 to a key that has it).
    ['GET', `/v1/tasks/${id}/cancel`, 'tasks:read'],
    ['DELETE', '/v1/agent/execute', 'tasks:submit'],
  ])('%s %s → %s', (method, path, scope) => {
    expect(scopeFor(method, path)).toBe(scope);
  });

  it('needs none for a path no route serves (it answers 404)', () => {
    expect(scopeFor('GET', '/v1/nothing')).toBeNull();
    expect(scopeFor('GET', '/v1/taskss')).toBeNull();
  });
});
