export { definePlugin, type PluginDefinition, type PluginHooks, type PluginContext, type PlanContext, type Hyper2kvmPlugin } from '@hyper2kvm/core';
export * from './plan-harness.js';
export * from './memory-registry.js';
export * from './disk-guest.js';
export * from './recording-logger.js';
export * from './plugin-tester.js';
