export * from './problem';
export * from './health';
export * from './accounts';
export * from './room';
