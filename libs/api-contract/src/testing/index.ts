export { OpenApiContract, contractFor, sseMessages, type ContractExchange } from './openapi-contract';
export { ContractRecorder, formatViolations, type ContractViolation } from './contract-recorder';
