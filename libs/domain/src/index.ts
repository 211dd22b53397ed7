export * from './task';
export * from './task-events';
export * from './agent-output';
export * from './usage';
export * from './errors';
export * from './records';
export * from './queue';
export * from './metrics';
