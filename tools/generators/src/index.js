// Programmatic entry: the generators, for scripts and tests. Nx itself reads generators.json.
export { default as pluginGenerator, normalizeOptions as normalizePluginOptions } from './plugin/generator.js';
