import { ContractRecorder } from './contract-recorder';

/** The recorder jest-setup.ts installs in every app the api specs build; one per test file (module registry). */
export const sharedRecorder = new ContractRecorder();
