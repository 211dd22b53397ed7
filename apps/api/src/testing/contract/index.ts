export { OpenApiContract, contractFor, type ContractExchange } from './openapi-contract';
export { ContractRecorder, formatViolations, type ContractViolation } from './contract-recorder';
export { contractCheck } from './contract-check.middleware';
export { sharedRecorder } from './shared-recorder';
export { registeredRoutes } from './express-routes';
