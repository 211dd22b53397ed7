export { OpenApiContract, contractFor, ContractRecorder, formatViolations, type ContractExchange, type ContractViolation } from '@agent-orchestrator/api-contract/testing';
export { contractCheck } from './contract-check.middleware';
export { sharedRecorder } from './shared-recorder';
export { registeredRoutes } from './express-routes';
