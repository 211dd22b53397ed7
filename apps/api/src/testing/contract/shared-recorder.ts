import { ContractRecorder } from '@agent-orchestrator/api-contract/testing';

/** The recorder jest-setup.ts installs in every app the api specs build; one per test file (module registry). */
export const sharedRecorder = new ContractRecorder();
