export * from './problem';
export * from './health';
export * from './accounts';
export * from './meetings';
export * from './control-channel';
export * from './room';
export * from './time-zones';
