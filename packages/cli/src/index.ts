export * from './api/inspect.js';
export * from './api/plan.js';
export * from './api/migrate.js';
export * from './api/report.js';
export * from './api/run-context.js';
export { main, mainHelp } from './main.js';
