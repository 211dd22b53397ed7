/**
 * Jest `setupFilesAfterEnv` of the api project (jest.config.cjs): every app a
 * spec builds with createApp checks its responses against the OpenAPI
 * document it serves, and a test fails when a response it caused broke the
 * contract (undocumented route or status, missing required header, a body
 * that does not match its schema). No spec has to opt in, so a new spec
 * cannot forget to; one that needs its own recorder passes `contractCheck`
 * to createApp itself (see openapi-contract.spec.ts).
 */
import type * as AppModule from '../../app/app';
import { sharedRecorder } from './shared-recorder';

jest.mock('../../app/app', () => {
  const actual = jest.requireActual<typeof AppModule>('../../app/app');
  const { contractCheck } = jest.requireActual<typeof import('./contract-check.middleware')>('./contract-check.middleware');
  const { sharedRecorder: recorder } = jest.requireActual<typeof import('./shared-recorder')>('./shared-recorder');
  const check = contractCheck(recorder);
  return {
    ...actual,
    createApp: (deps: AppModule.AppDeps) => actual.createApp({ ...deps, contractCheck: deps.contractCheck ?? check }),
  };
});

afterEach(() => sharedRecorder.assertNone('in this test'));
afterAll(() => sharedRecorder.assertNone('outside the tests of this file (beforeAll/afterAll)'));
